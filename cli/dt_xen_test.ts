/**
 * `vscmi dt --xen`: a partial device tree Xen's toolstack accepts (standalone, root cells, a
 * `/passthrough` simple-bus holding the `arm,scmi-virtio` node and the agent's protocol
 * nodes), the `xl.cfg` lines for the virtio-scmi device, the copies kept in `examples/xen/`
 * current, and agents it cannot describe refused.
 *
 * Facts from Xen: `docs/misc/arm/passthrough.txt` (only /passthrough and /aliases of the
 * partial tree are copied; root `#address-cells`/`#size-cells` and a simple-bus
 * `/passthrough` with `ranges`), `xl.cfg(5)` (`virtio = [ "type=virtio,deviceNN,
 * transport=mmio,backend=…,grant_usage=…" ]`, `NN` the virtio device id in hex as in the
 * virtio device-tree binding: I²C, id 34, is `virtio,device22`; SCMI, id 32, `virtio,device20`).
 */
import { assert, assertEquals, assertThrows } from "../core/_assert_test.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { CommandError } from "./args.ts";
import { xenGuestDeviceTree, xlConfigLines } from "./dt_xen.ts";

const XEN_SIM = new URL("../examples/xen/sim/vscmi.toml", import.meta.url).pathname;
const SIM = new URL("../examples/sim/vscmi.toml", import.meta.url).pathname;

/** dtc's decompiled form of `source`, or the error. */
async function dtc(source: string): Promise<{ ok: boolean; dts: string; err: string }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/in.dts`, source);
    const out = await new Deno.Command("dtc", {
      args: ["-q", "-I", "dts", "-O", "dtb", "-o", `${dir}/out.dtb`, `${dir}/in.dts`],
      stderr: "piped",
    }).output();
    if (!out.success) return { ok: false, dts: "", err: new TextDecoder().decode(out.stderr) };
    const back = await new Deno.Command("dtc", {
      args: ["-q", "-I", "dtb", "-O", "dts", `${dir}/out.dtb`],
      stdout: "piped",
    }).output();
    return { ok: true, dts: new TextDecoder().decode(back.stdout), err: "" };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The body of node `name` (first match) in dtc's output, up to its closing brace. */
function node(dts: string, name: string): string {
  const at = dts.indexOf(`\t${name} {`);
  assert(at >= 0, `no node ${name} in\n${dts}`);
  let depth = 0;
  for (let i = dts.indexOf("{", at); i < dts.length; i++) {
    if (dts[i] === "{") depth++;
    if (dts[i] === "}" && --depth === 0) return dts.slice(at, i + 1);
  }
  throw new Error(`node ${name} does not close`);
}

Deno.test("dt --xen for vm1 → a partial tree dtc compiles: root cells, /passthrough simple-bus, arm,scmi-virtio with vm1's protocols", async () => {
  const dep = await loadDeployment(XEN_SIM, BUILTINS);
  const text = xenGuestDeviceTree(dep, "vm1");
  assert(text.startsWith("/dts-v1/;\n"), "standalone: device_tree= takes a whole DTB");
  const r = await dtc(text);
  assert(r.ok, r.err);
  const root = r.dts.slice(r.dts.indexOf("/ {"));
  assert(/^\/ \{\n\t#address-cells = <0x02>;\n\t#size-cells = <0x02>;/.test(root), root);
  const pt = node(r.dts, "passthrough");
  assert(pt.includes('compatible = "simple-bus";'), pt);
  assert(pt.includes("\t\tranges;"), pt);
  const scmi = node(pt, "scmi");
  assert(scmi.includes('compatible = "arm,scmi-virtio";'), scmi);
  assert(/protocol@11 \{[^}]*#power-domain-cells = <0x01>/.test(scmi), scmi);
  assert(/protocol@14 \{[^}]*#clock-cells = <0x01>/.test(scmi), scmi);
  assert(/protocol@16 \{[^}]*#reset-cells = <0x01>/.test(scmi), scmi);
  assert(!scmi.includes("protocol@10"), "Base has no node");
  assert(!scmi.includes("protocol@13"), "perf is not granted to vm1");
  // Nothing outside /passthrough (Xen would drop it): the root holds the cells and it only.
  assertEquals(
    root.split("\n").filter((l) => /^\t[^\t}]/.test(l)).map((l) => l.trim().split(" ")[0]),
    ["#address-cells", "#size-cells", "passthrough"],
  );
  // The virtual ids are named in comments, as in the plain fragment.
  assert(text.includes(" *   3: apb_clk\n"), text);
});

Deno.test("dt --xen → the xl.cfg lines: device_tree and the virtio-scmi device (virtio,device20, mmio, no grants)", async () => {
  const dep = await loadDeployment(XEN_SIM, BUILTINS);
  const text = xenGuestDeviceTree(dep, "vm2");
  assert(text.includes('\n *   device_tree = "/etc/xen/vm2-scmi.dtb"\n'), text);
  assert(
    text.includes(
      '\n *   virtio = [ "type=virtio,device20,transport=mmio,backend=0,grant_usage=0" ]\n',
    ),
    text,
  );
  assertEquals(xlConfigLines("vm1", { dtb: "/srv/vm1.dtb", backend: "drv" }), [
    'device_tree = "/srv/vm1.dtb"',
    'virtio = [ "type=virtio,device20,transport=mmio,backend=drv,grant_usage=0" ]',
  ]);
});

Deno.test("examples/xen/sim/vm1-scmi.dts and vm2-scmi.dts → what dt --xen prints today", async () => {
  const dep = await loadDeployment(XEN_SIM, BUILTINS);
  for (const a of ["vm1", "vm2"]) {
    const kept = await Deno.readTextFile(
      new URL(`../examples/xen/sim/${a}-scmi.dts`, import.meta.url),
    );
    assertEquals(kept, xenGuestDeviceTree(dep, a) + "\n", `regenerate ${a}-scmi.dts`);
  }
});

Deno.test("dt --xen for an unknown agent or one not on vhost-user → CommandError saying why", async () => {
  const xen = await loadDeployment(XEN_SIM, BUILTINS);
  assertThrows(() => xenGuestDeviceTree(xen, "vm9"), CommandError, 'No agent "vm9"');
  const sim = await loadDeployment(SIM, BUILTINS);
  assertThrows(
    () => xenGuestDeviceTree(sim, "vm1"),
    CommandError,
    'Agent "vm1" uses the stream transport: a Xen guest reaches vscmi through a vhost-user front-end',
  );
});
