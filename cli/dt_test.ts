/**
 * `vscmi dt`: the fragment compiles with dtc (alone and appended to a board DTS), names
 * every virtual id, describes only granted protocols, and refuses agents it cannot describe.
 */
import { assert, assertEquals, assertThrows } from "../core/_assert_test.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { CommandError } from "./args.ts";
import { dtLabel, guestDeviceTree } from "./dt.ts";
import { BUILTINS } from "../builtins.ts";
import { fanDriver } from "../tests/vendor_kind/fan_protocol.ts";

const MANIFEST = new URL("../examples/qemu-vhost-user/vscmi.toml", import.meta.url).pathname;
const SIM = new URL("../examples/sim/vscmi.toml", import.meta.url).pathname;

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

Deno.test("dt --standalone for vm1 → compiles with dtc; arm,scmi-virtio node with vm1's protocols", async () => {
  const dep = await loadDeployment(MANIFEST, BUILTINS);
  const text = guestDeviceTree(dep, "vm1", { standalone: true });
  const r = await dtc(text);
  assert(r.ok, r.err);
  assert(r.dts.includes('compatible = "arm,scmi-virtio";'));
  for (const p of ["11", "12", "13", "14", "15", "16", "17", "18", "19"]) {
    assert(r.dts.includes(`protocol@${p} {`), `protocol@${p} missing`);
  }
  assert(!r.dts.includes("protocol@10"), "Base has no node");
  // Provider cells per the arm,scmi binding.
  assert(/protocol@14 \{[^}]*#clock-cells = <0x01>/.test(r.dts));
  assert(/protocol@16 \{[^}]*#reset-cells = <0x01>/.test(r.dts));
  assert(/protocol@11 \{[^}]*#power-domain-cells = <0x01>/.test(r.dts));
  assert(/protocol@15 \{[^}]*#thermal-sensor-cells = <0x01>/.test(r.dts));
  // One regulator per granted voltage domain, virtual ids, board names.
  assert(
    r.dts.includes(
      'regulator@0 {\n\t\t\t\t\t\treg = <0x00>;\n\t\t\t\t\t\tregulator-name = "vdd_gpu";',
    ),
    r.dts,
  );
  assert(r.dts.includes('regulator-name = "vdd_cpu";'));
  // Constraints from the board's segments (vdd_gpu 700 mV–1 V, vdd_cpu 600 mV–1.1 V), so the
  // guest's regulator core sees min_uV/max_uV.
  assertEquals(regulator(text, "vdd_gpu"), [700_000, 1_000_000]);
  assertEquals(regulator(text, "vdd_cpu"), [600_000, 1_100_000]);
});

/**
 * The `regulator-min/max-microvolt` cells of the regulator named `name` in the fragment (read
 * from vscmi's text: dtc, decompiling, may print a cell such as 800000 as a string).
 */
function regulator(dts: string, name: string): number[] {
  const node = dts.split("regulator@").find((n) => n.includes(`regulator-name = "${name}";`));
  const cell = (prop: string) => Number(node?.match(new RegExp(`${prop} = <(\\d+)>;`))?.[1]);
  return [cell("regulator-min-microvolt"), cell("regulator-max-microvolt")];
}

Deno.test("dt with per-agent voltage bounds → regulator constraints within them, on the level grid", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-dt-" });
  try {
    const board = new URL("../boards/sim.toml", import.meta.url).pathname;
    await Deno.writeTextFile(
      `${dir}/vscmi.toml`,
      `board = "${board}"

[[agent]]
name = "g"
transport = { type = "vhost-user" }
protocols = ["voltage"]
voltage_domains = ["vdd_gpu"]

[[agent.voltage]]
name = "vdd_cpu"
min = 650001
max = "1V"

[[agent.voltage]]
name = "vddio_sd"
levels = ["1.8V"]

[[agent.voltage]]
name = "vdd_dsp"
max = "950mV"
`,
    );
    const dep = await loadDeployment(`${dir}/vscmi.toml`, BUILTINS);
    const text = guestDeviceTree(dep, "g", { standalone: true });
    const r = await dtc(text);
    assert(r.ok, r.err);
    // vdd_gpu: no bounds, its whole segment.
    assertEquals(regulator(text, "vdd_gpu"), [700_000, 1_000_000]);
    // vdd_cpu (600 mV–1.1 V in 6250 µV steps): 650001 µV rounds up to 656250 µV.
    assertEquals(regulator(text, "vdd_cpu"), [656_250, 1_000_000]);
    // vddio_sd (1.8 V, 3.3 V) limited to 1.8 V; vdd_dsp (800, 900 mV, 1 V) to at most 950 mV.
    assertEquals(regulator(text, "vddio_sd"), [1_800_000, 1_800_000]);
    assertEquals(regulator(text, "vdd_dsp"), [800_000, 900_000]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dt for vm2 → only vm2's protocols, and a comment naming each virtual id", async () => {
  const dep = await loadDeployment(MANIFEST, BUILTINS);
  const text = guestDeviceTree(dep, "vm2");
  assert(!text.includes("/dts-v1/"), "a fragment without --standalone");
  assert(!text.includes("protocol@13") && !text.includes("protocol@12"));
  // vm2's clocks: uart1's first, then usb's, then emmc's; apb_clk once.
  for (
    const [v, n] of ["uart1_clk", "apb_clk", "usb_ref_clk", "usb_bus_clk", "ahb_clk", "emmc_clk"]
      .entries()
  ) {
    assert(text.includes(`\t *   ${v}: ${n}\n`), `clock ${v}: ${n} not named`);
  }
  // Appended to a board DTS, with a consumer of vm2's reset 1 (usb_phy_rst).
  const base = "/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; };\n";
  const consumer = "/ { usb { resets = <&scmi_reset 1>; clocks = <&scmi_clk 2>; }; };\n";
  const r = await dtc(base + text + consumer);
  assert(r.ok, r.err);
  assertEquals(r.dts.includes("usb {"), true);
});

Deno.test("dt for the example's guests → the fragments kept beside it, byte for byte", async () => {
  const dep = await loadDeployment(MANIFEST, BUILTINS);
  for (const agent of ["vm1", "vm2"]) {
    const kept = await Deno.readTextFile(new URL(`${agent}.dtsi`, `file://${MANIFEST}`));
    assertEquals(guestDeviceTree(dep, agent) + "\n", kept, agent);
  }
});

Deno.test("dt for a vendor protocol → the node its plugin's dt states: label, cells, consumer, ids", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-dt-" });
  try {
    const vendor = new URL("../tests/vendor_kind/", import.meta.url).pathname;
    await Deno.writeTextFile(
      `${dir}/vscmi.toml`,
      `board = "${vendor}board.toml"

[platform]
plugins = ["${vendor}fan_protocol.ts"]

[[agent]]
name = "g"
transport = { type = "vhost-user" }
protocols = ["fans"]
devices = ["cooling"]
fans = ["cpu_fan"]
`,
    );
    const drivers = [...BUILTINS.drivers, fanDriver];
    const dep = await loadDeployment(`${dir}/vscmi.toml`, { ...BUILTINS, drivers });
    const text = guestDeviceTree(dep, "g", { standalone: true });
    assert(
      text.includes(
        "\t\t\tscmi_fans: protocol@90 {\n\t\t\t\treg = <0x90>;\n\t\t\t\t#cooling-cells = <1>;\n" +
          "\t\t\t\t/*\n\t\t\t\t * fans ids (consumers: cooling = <&scmi_fans ID>):\n" +
          "\t\t\t\t *   0: case_fan\n\t\t\t\t *   1: cpu_fan\n\t\t\t\t */\n\t\t\t};",
      ),
      text,
    );
    const r = await dtc(text);
    assert(r.ok, r.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dt for an unknown agent or a stream agent → CommandError", async () => {
  const dep = await loadDeployment(MANIFEST, BUILTINS);
  assertThrows(() => guestDeviceTree(dep, "vm9"), CommandError, 'No agent "vm9"');
  const sim = await loadDeployment(SIM, BUILTINS);
  assertThrows(() => guestDeviceTree(sim, "vm1"), CommandError, "stream transport");
});

Deno.test("dt labels → only letters, digits and '_'", () => {
  assertEquals(dtLabel("scmi_vreg", "vdd-io.1"), "scmi_vreg_vdd_io_1");
});

Deno.test("vscmi dt on the command line → the fragment on stdout, exit 0", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "dt", MANIFEST, "--agent", "vm1"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assert(new TextDecoder().decode(out.stdout).includes('compatible = "arm,scmi-virtio";'));
});
