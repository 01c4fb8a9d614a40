/**
 * `vscmi dt` takes the transport's part from its `guestDt`: hvisor's virtio_mmio node for a
 * virtio-mmio agent (kept beside the example, byte for byte), and whatever compatible,
 * properties and root nodes another transport states; a transport without one is refused.
 */
import { assert, assertEquals, assertThrows } from "../core/_assert_test.ts";
import { defineTransport } from "../core/transport.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { CommandError } from "./args.ts";
import { guestDeviceTree } from "./dt.ts";

const HVISOR = new URL("../examples/hvisor-rk3588/vscmi.toml", import.meta.url).pathname;

async function dtc(source: string): Promise<{ ok: boolean; dts: string; err: string }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/in.dts`, source);
    const out = await new Deno.Command("dtc", {
      args: ["-q", "-I", "dts", "-O", "dts", `${dir}/in.dts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { ok: out.success, dts: dec.decode(out.stdout), err: dec.decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("dt for a virtio-mmio agent → hvisor's virtio_mmio node (GIC SPI = INTID − 32, edge), compiles", async () => {
  const dep = await loadDeployment(HVISOR, BUILTINS);
  const text = guestDeviceTree(dep, "zone1", { standalone: true });
  const r = await dtc(text);
  assert(r.ok, r.err);
  const node = /virtio_mmio@ff9c0000 \{[^}]*\}/.exec(r.dts)?.[0] ?? "";
  assert(node.includes('compatible = "virtio,mmio";'), r.dts);
  assert(node.includes("reg = <0x00 0xff9c0000 0x00 0x200>;"), node);
  // irq 68 in the configuration = INTID 68 = SPI 36 (0x24), IRQ_TYPE_EDGE_RISING (1).
  assert(node.includes("interrupts = <0x00 0x24 0x01>;"), node);
  assert(node.includes("dma-coherent;"), node);
  assert(r.dts.includes('compatible = "arm,scmi-virtio";'));
  for (const p of ["11", "14", "16"]) assert(r.dts.includes(`protocol@${p} {`), p);
  assert(text.includes("clocks = <&scmi_clk 0>, <&scmi_clk 1>;"), "consumer example");
});

Deno.test("dt for examples/hvisor-rk3588's zone1 → zone1.dtsi kept beside it, byte for byte", async () => {
  const dep = await loadDeployment(HVISOR, BUILTINS);
  const kept = await Deno.readTextFile(new URL("zone1.dtsi", `file://${HVISOR}`));
  assertEquals(guestDeviceTree(dep, "zone1") + "\n", kept);
});

Deno.test("dt → a transport's guestDt states the SCMI node's compatible, properties and root nodes", async () => {
  const smc = defineTransport({
    api: 1,
    name: "test-smc",
    summary: "test",
    options: { id: "SMC function id" },
    start: () => Promise.reject(new Error("not started in this test")),
    guestDt: ({ agent, options }) => ({
      comment: `an SMC channel of ${agent}.`,
      compatible: "arm,scmi-smc",
      properties: [`arm,smc-id = <${options.id}>;`, "shmem = <&cpu_scp_shm>;"],
      nodes: ["reserved-memory {", "\tcpu_scp_shm: scmi-shmem@0 {", "\t};", "};"],
    }),
  });
  const dir = await Deno.makeTempDir();
  try {
    const board = new URL("../boards/sim.toml", import.meta.url).pathname;
    await Deno.writeTextFile(
      `${dir}/vscmi.toml`,
      `board = "${board}"\n[[agent]]\nname = "g"\nprotocols = ["clock"]\nclocks = ["osc24m"]\n` +
        `transport = { type = "test-smc", id = 0x82000010 }\n`,
    );
    const opts = { ...BUILTINS, transports: [...BUILTINS.transports, smc] };
    const text = guestDeviceTree(await loadDeployment(`${dir}/vscmi.toml`, opts), "g");
    assert(
      text.replace(/\n \* /g, " ").includes("Transport: test-smc: an SMC channel of g."),
      text,
    );
    assert(text.includes('\t\t\tcompatible = "arm,scmi-smc";\n\t\t\tarm,smc-id = <2181038096>;'));
    assert(text.includes("/ {\n\treserved-memory {\n\t\tcpu_scp_shm: scmi-shmem@0 {"), text);
    // The stream transport has no guestDt: refused, naming those that have one.
    await Deno.writeTextFile(
      `${dir}/s.toml`,
      `board = "${board}"\n[[agent]]\nname = "s"\ntransport = { type = "stream" }\n`,
    );
    const s = await loadDeployment(`${dir}/s.toml`, opts);
    const e = assertThrows(() => guestDeviceTree(s, "s"), CommandError, "stream transport");
    assert(e.message.includes("virtio-mmio") && e.message.includes("test-smc"), e.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
