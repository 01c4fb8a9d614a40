/**
 * `vscmi dt` for shmem agents: an SMC agent's fragment (arm,scmi-smc with its function id and
 * its shmem node at shm_base + offset) compiles with dtc; a mailbox agent's names its tx and
 * rx channels and areas; arm,scmi-smc-param is the compatible when smc_param is set.
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { guestDeviceTree } from "../../cli/dt.ts";
import { loadDeployment } from "../../server/manifest/mod.ts";
import { BUILTINS } from "../../builtins.ts";
import { shmemGuestDt } from "./guest_dt.ts";

const EXAMPLE = new URL("../../examples/shmem/vscmi.toml", import.meta.url).pathname;

Deno.test("dt for an SMC agent of examples/shmem: arm,scmi-smc, its function id and shmem node; compiles", async () => {
  const dep = await loadDeployment(EXAMPLE, BUILTINS);
  const text = guestDeviceTree(dep, "smc2", { standalone: true });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/in.dts`, text);
    const out = await new Deno.Command("dtc", {
      args: ["-q", "-I", "dts", "-O", "dts", `${dir}/in.dts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dts = new TextDecoder().decode(out.stdout);
    assert(out.success, new TextDecoder().decode(out.stderr));
    assert(dts.includes('compatible = "arm,scmi-smc";'), dts);
    assert(dts.includes("arm,smc-id = <0x82000011>;"), dts);
    const node = /scmi-shmem@5e000000 \{[^}]*\}/.exec(dts)?.[0] ?? "";
    assert(node.includes('compatible = "arm,scmi-shmem";'), dts);
    assert(node.includes("reg = <0x00 0x5e000000 0x00 0x100>;"), node);
    assert(node.includes("no-map;"), node);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dt for the mailbox agent: arm,scmi with tx and rx mailboxes and areas", async () => {
  const dep = await loadDeployment(EXAMPLE, BUILTINS);
  const text = guestDeviceTree(dep, "mbox");
  assert(text.includes('compatible = "arm,scmi";'), text);
  assert(text.includes("mboxes = <&mailbox 0>, <&mailbox 1>;"), text);
  assert(text.includes("shmem = <&mbox_shmem_0>, <&mbox_shmem_rx>;"), text);
  assert(text.includes("mbox_shmem_rx: scmi-shmem@5e000100 {"), text);
});

Deno.test("dt with smc_param: arm,scmi-smc-param", () => {
  const part = shmemGuestDt({
    agent: "g-1",
    options: {
      doorbell: "hvc",
      function_id: 0xc2000001,
      smc_param: true,
      shm_base: 0x1_0000_0000,
      channels: [{ offset: 0x80, size: 0x80 }],
    },
  });
  assertEquals(part.compatible, "arm,scmi-smc-param");
  assertEquals(part.properties, ["arm,smc-id = <0xc2000001>;", "shmem = <&g_1_shmem_0>;"]);
  assert(part.nodes!.includes("\tg_1_shmem_0: scmi-shmem@100000080 {"), part.nodes!.join("\n"));
  assert(part.nodes!.includes("\t\treg = <0x1 0x80 0x0 0x80>;"), part.nodes!.join("\n"));
});
