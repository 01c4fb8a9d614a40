import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { LibcError } from "../native/libc.ts";
import { bridgeInitDone, bridgeNeedsInit } from "./init_once.ts";
import { openFileBridge, openHvisorDevice } from "./port.ts";
import { BRIDGE_MAP_SIZE } from "./layout.ts";

Deno.test("hvisor device missing → LibcError naming the path; file bridge missing or short → errors naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-hvisor-port-" });
  try {
    const e = assertThrows(() => openHvisorDevice(`${dir}/hvisor`, false), LibcError);
    assert(e.message.includes(`${dir}/hvisor`), e.message);
    assertThrows(() => openFileBridge(dir), LibcError, `${dir}/bridge`);
    await Deno.writeFile(`${dir}/bridge`, new Uint8Array(100));
    assertThrows(
      () => openFileBridge(dir),
      RangeError,
      `${dir}/bridge: 4096 bytes asked of a 100-byte file`,
    );
    await Deno.writeFile(`${dir}/bridge`, new Uint8Array(BRIDGE_MAP_SIZE));
    assertThrows(() => openFileBridge(dir), LibcError, `${dir}/mem`);
    await Deno.writeFile(`${dir}/mem`, new Uint8Array(0));
    const port = openFileBridge(dir);
    assertEquals(port.bytes.length, BRIDGE_MAP_SIZE);
    assertThrows(
      () => port.mapMemory(0x1000, 0x1000),
      RangeError,
      `${dir}/mem: 8192 bytes asked of a 0-byte file`,
    );
    port.close();
    port.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HVISOR_INIT_VIRTIO once per module instance: its device node recorded in the state directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-hvisor-init-" });
  try {
    const node = `${dir}/hvisor`;
    await Deno.writeFile(node, new Uint8Array(0));
    assert(bridgeNeedsInit(null, node), "without a state directory, always");
    assert(bridgeNeedsInit(`${dir}/state`, node));
    bridgeInitDone(`${dir}/state`, node);
    assert(!bridgeNeedsInit(`${dir}/state`, node), "the same node: map the bridge hvisor uses");
    // The module reloaded (or zone0 rebooted): the record names another node.
    await Deno.writeTextFile(`${dir}/state/hvisor-bridge`, "0:1:2\n");
    assert(bridgeNeedsInit(`${dir}/state`, node), "another node");
    assert(bridgeNeedsInit(`${dir}/state`, `${dir}/missing`), "no node: init (opening fails)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
