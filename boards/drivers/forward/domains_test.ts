/**
 * Performance, voltage and power-capping domains, pin control and sensors through the forward
 * chain of examples/forward: a guest's
 * request reaches the firmware as the firmware's domain id and level (read from its trace),
 * and reads come back from it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { Logger } from "../../../core/log.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { ScmiClient } from "../../../client/mod.ts";
import { loadDeployment } from "../../../server/manifest/mod.ts";
import { startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import { simDriver } from "../sim.ts";
import { forwardDriverWith } from "./mod.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/forward/", import.meta.url));

function quiet(): Logger {
  const log = new Logger();
  log.sink = () => {};
  return log;
}

const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

Deno.test("forward chain: performance, voltage and power-capping domains, pins and sensors reach the firmware with its ids", async () => {
  const dir = await Deno.makeTempDir();
  const trace: string[] = [];
  const fwDep = await loadDeployment(join(EXAMPLE, "firmware.toml"), BUILTINS);
  const fw = await startServer(fwDep, {
    runDir: join(dir, "fw"),
    stateDir: null,
    control: false,
    log: quiet(),
    trace: "text",
    traceWrite: (line) => void trace.push(line),
  });
  const drivers = [simDriver, forwardDriverWith({ clock: new ManualClock() })];
  const medDep = await loadDeployment(join(EXAMPLE, "mediator.toml"), { ...BUILTINS, drivers });
  const med = await startServer(medDep, {
    runDir: join(dir, "med"),
    stateDir: null,
    control: false,
    log: quiet(),
  });
  const vm1 = await ScmiClient.connect({ kind: "unix", path: join(dir, "med", "vm1.sock") });
  const vm2 = await ScmiClient.connect({ kind: "unix", path: join(dir, "med", "vm2.sock") });
  try {
    trace.length = 0;
    // vm1's perf domain 0 is the firmware's gpu (2): level 600.
    assertEquals((await vm1.request(0x13, 0x7, [0, 600])).status, 0);
    assertEquals(u32((await vm1.request(0x13, 0x8, [0])).payload), 600);
    // vm2's voltage domain 0 is the firmware's vddio_sd (2, at 3.3 V): 1.8 V, then on.
    assertEquals((await vm2.request(0x17, 0x7, [0, 0, 1_800_000])).status, 0);
    assertEquals(u32((await vm2.request(0x17, 0x8, [0])).payload), 1_800_000);
    assertEquals((await vm2.request(0x17, 0x5, [0, 0x7])).status, 0);
    const sets = trace.filter((l) =>
      / (PERFORMANCE_LEVEL|VOLTAGE_LEVEL|VOLTAGE_CONFIG)_SET /.test(l)
    )
      .map((l) => l.replace(/ ← SUCCESS.*/, ""));
    assertEquals(sets.length, 3, trace.join("\n"));
    assertEquals(sets[0], "mediator → PERFORMANCE_LEVEL_SET domain=2 level=600");
    assert(/^mediator → VOLTAGE_LEVEL_SET .*domain_id=2 .*1800000/.test(sets[1]), sets[1]);
    assertEquals(sets[2], "mediator → VOLTAGE_CONFIG_SET domain_id=2 config=7");
    // vm1's power-capping domain 0 is the firmware's gpu_cap (1): a cap of 3 W.
    trace.length = 0;
    assertEquals((await vm1.request(0x18, 0x5, [0, 0, 3_000_000])).status, 0);
    const capSets = trace.filter((l) => / POWERCAP_CAP_SET /.test(l));
    assertEquals(capSets.length, 1, trace.join("\n"));
    assert(/domain_id=1 .*3000000/.test(capSets[0]), capSets[0]);
    assertEquals(u32((await vm1.request(0x18, 0x4, [0])).payload), 3_000_000);

    // vm1's pin group 0 and function 0 are the firmware's uart0_pins (0) and uart0 (0);
    // its pin 1 is the firmware's pa1 (1): the function selected, then a pull-up on pa1.
    trace.length = 0;
    assertEquals((await vm1.request(0x19, 0x6, [0, 0, 0x401])).status, 0);
    assertEquals((await vm1.request(0x19, 0x6, [1, 0xffff_ffff, 1 << 2, 4, 1])).status, 0);
    const pinSets = trace.filter((l) => / PINCTRL_SETTINGS_CONFIGURE /.test(l))
      .map((l) => l.replace(/ ← SUCCESS.*/, ""));
    assertEquals(pinSets.length, 2, trace.join("\n"));
    assert(/identifier=0 function_id=0 /.test(pinSets[0]), pinSets[0]);
    assert(/identifier=1 /.test(pinSets[1]), pinSets[1]);
    const fnNow = await vm1.request(0x19, 0x5, [0, (2 << 18) | (1 << 16)]);
    assertEquals(u32(fnNow.payload), 0);

    // vm1's sensor 0 is the firmware's soc_temp (0): each read is one there, in m°C.
    trace.length = 0;
    const r = await vm1.request(0x15, 0x6, [0, 0]);
    assertEquals(r.status, 0);
    const temp = new DataView(r.payload.buffer, r.payload.byteOffset).getInt32(0, true);
    assert(temp >= 40_000 && temp <= 75_000, `soc_temp read ${temp}`);
    assertEquals(trace.filter((l) => /SENSOR_READING_GET sensor_id=0 /.test(l)).length, 1);
  } finally {
    await vm1.close();
    await vm2.close();
    await med.close();
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});
