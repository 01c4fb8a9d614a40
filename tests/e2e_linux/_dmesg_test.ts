import { assertEquals } from "../../core/_assert_test.ts";
import { dmesgProblems, kernelOptions } from "./_dmesg.ts";

/** Lines of a clean Linux 6.12 guest of the e2e run (dynamic debug on for SCMI). */
const CLEAN = [
  "[    0.000000] Kernel command line: console=ttyAMA0 rdinit=/init scmi_wait=60 scmi_settle=3",
  '[    0.000000] Unknown kernel command line parameters "scmi_wait=60 scmi_settle=3", will be passed to user space.',
  "[    0.287355] arm-scmi arm-scmi.0.auto: SCMI max-rx-timeout: 10000ms",
  "[    0.362109] arm-scmi arm-scmi.0.auto: SCMI Protocol v2.1 'vscmi:qemu-vhost' Firmware version 0x10000",
  "[    0.410250] arm-scmi arm-scmi.0.auto: Min 200000000 Max 1000000000 Step 8000000 Hz",
  "[    0.420538] arm-scmi arm-scmi.0.auto: Clk ID 2 set async to 25000000",
  "[    0.443518] scmi-regulator scmi_dev.9: Found SCMI Regulator entry -- OF node [0] -> regulator@0",
  "[    0.461380] scmi-powercap scmi_dev.11: Registered node gpu_cap - parent ROOT - height:0",
  "[    0.482862] clk: Disabling unused clocks",
  "[    0.486215] PM: genpd: Disabling unused power domains",
  "[    0.513076]     scmi_wait=60",
];

const THERMAL =
  "[    0.436839] scmi-hwmon scmi_dev.7: Thermal zone misconfigured for gpu_temp. err=-524";

Deno.test("a clean guest log has no SCMI problem", () => {
  assertEquals(dmesgProblems(CLEAN, { thermalOf: true }), []);
});

Deno.test("out-of-order delayed response, rejected reply and missing intervals are problems", () => {
  const bad = [
    "[    1.611251] scmi_protocol scmi_dev.2: Received valid OoO Delayed Response for 55",
    "[    1.611727] scmi_protocol scmi_dev.1: Invalid message type:0 for 55 - HDR:0xDC5005  state:2",
    "[    1.630373] arm-scmi arm-scmi.0.auto: Update Intervals not available for sensor ID:0",
    "[    1.7] arm-scmi arm-scmi.0.auto: No. of resources can't exceed 16",
    "[    1.8] arm-scmi arm-scmi.0.auto: Malformed reply - real_sz:8  calc_sz:12  (loop_num_ret:1)",
    "[    1.9] scmi-regulator scmi_dev.9: unsupportable voltage constraints 1-2uV",
    "[    2.0] platform 9010000.pl031: deferred probe pending: (reason unknown)",
  ];
  assertEquals(dmesgProblems([...CLEAN, ...bad, bad[0]], { thermalOf: true }), bad);
});

Deno.test("Thermal zone err=-524 passes only on a kernel without CONFIG_THERMAL_OF", () => {
  assertEquals(dmesgProblems([THERMAL], { thermalOf: false }), []);
  assertEquals(dmesgProblems([THERMAL], { thermalOf: true }), [THERMAL]);
  const other = THERMAL.replace("-524", "-22");
  assertEquals(dmesgProblems([other], { thermalOf: false }), [other], "another errno is real");
});

Deno.test("kernelOptions reads the options set to y or m", () => {
  const on = kernelOptions("CONFIG_HWMON=y\n# CONFIG_THERMAL is not set\nCONFIG_X=m\nCONFIG_N=n\n");
  assertEquals([...on], ["CONFIG_HWMON", "CONFIG_X"]);
});
