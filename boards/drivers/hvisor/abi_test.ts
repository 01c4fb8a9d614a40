/**
 * The helper's argument structures, byte for byte, against hvisor-tool c724e91's
 * `include/hvisor.h`.
 *
 * How the vectors were obtained (2026-12-07, gcc 12.2.0, x86_64 Debian 12; the structures
 * hold only naturally aligned __u32/__u64/char fields, so aarch64 lays them out alike):
 * `include/hvisor.h`, `def.h`, `zone_config.h` and `ivc.h` of hvisor-tool c724e91 were
 * copied beside two small C programs. The first printed the three request macros, `sizeof`
 * of the three structures and `offsetof` of every field (OFFSETS below); the second zeroed
 * each structure, filled the fields one helper call sets, and printed its bytes as hex up to
 * the last non-zero byte (VECTORS below).
 */
import { assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { ARG_SIZE, HvisorIoctl, OFF } from "./abi.ts";
import { HvisorHelper } from "./helper.ts";
import { FakeZone0 } from "./_fixture.ts";

/** From the first program. */
const COMPILED = {
  HVISOR_SCMI_CLOCK_IOCTL: 0xc0580120,
  HVISOR_SCMI_RESET_IOCTL: 0xc0140121,
  HVISOR_SCMI_POWER_IOCTL: 0xc0500122,
  "sizeof(struct hvisor_scmi_clock_args)": 88,
  "sizeof(struct hvisor_scmi_reset_args)": 20,
  "sizeof(struct hvisor_scmi_power_args)": 80,
  "clock u.clock_count": 8,
  "clock u.clock_attr.clock_id": 8,
  "clock u.clock_attr.enabled": 12,
  "clock u.clock_attr.parent_id": 16,
  "clock u.clock_attr.clock_name": 20,
  "clock u.clock_attr.is_valid": 84,
  "clock u.clock_rates_info.rate_index": 12,
  "clock u.clock_rates_info.num_rates": 16,
  "clock u.clock_rates_info.remaining": 20,
  "clock u.clock_rates_info.rates": 24,
  "clock u.clock_rate_info.rate": 16,
  "clock u.clock_rate_set_info.flags": 12,
  "clock u.clock_rate_set_info.rate": 16,
  "clock u.clock_config_info.flags": 12,
  "clock u.clock_config_info.config": 16,
  "clock u.clock_config_info.extended_config_val": 20,
  "clock u.clock_name_info.name": 12,
  "reset u.reset_info.domain_id": 8,
  "reset u.reset_info.flags": 12,
  "reset u.reset_info.reset_state": 16,
  "power u.power_attr.flags": 12,
  "power u.power_attr.name": 16,
  "power u.power_state_info.power_state": 12,
};

/** From the second program: the bytes each call hands the kernel. */
const VECTORS: Record<string, string> = {
  clockCount: "01",
  clockName7: "080000000000000007",
  rateGet3: "040000000000000003",
  rateSet3_5940MHz: "0500000000000000030000000000000000350d6201",
  configGet2: "060000000000000002",
  configSet2On: "0700000000000000020000000000000001",
  configSet2Off: "070000000000000002",
  describeRates1: "030000000000000001",
  resetCount: "01",
  reset5Assert: "02000000000000000500000002",
  reset5Deassert: "020000000000000005",
  reset5Pulse: "02000000000000000500000001",
  powerCount: "01",
  powerAttributes1: "020000000000000001",
  powerGet1: "040000000000000001",
  powerSet1Off: "03000000000000000100000000000040",
  powerSet1On: "030000000000000001",
};

Deno.test("abi: request numbers, sizes and offsets are those the C compiler gave for hvisor.h", () => {
  assertEquals(
    [HvisorIoctl.CLOCK, HvisorIoctl.RESET, HvisorIoctl.POWER],
    [
      COMPILED.HVISOR_SCMI_CLOCK_IOCTL,
      COMPILED.HVISOR_SCMI_RESET_IOCTL,
      COMPILED.HVISOR_SCMI_POWER_IOCTL,
    ],
  );
  assertEquals(ARG_SIZE, { clock: 88, reset: 20, power: 80 });
  // The size is also encoded in bits 29:16 of each request number.
  assertEquals(
    [HvisorIoctl.CLOCK, HvisorIoctl.RESET, HvisorIoctl.POWER].map((r) => (r >>> 16) & 0x3fff),
    [ARG_SIZE.clock, ARG_SIZE.reset, ARG_SIZE.power],
  );
  const ours = {
    "clock u.clock_count": OFF.count,
    "clock u.clock_attr.clock_id": OFF.id,
    "clock u.clock_attr.enabled": OFF.clockAttr.enabled,
    "clock u.clock_attr.parent_id": OFF.clockAttr.parentId,
    "clock u.clock_attr.clock_name": OFF.clockAttr.name,
    "clock u.clock_attr.is_valid": OFF.clockAttr.isValid,
    "clock u.clock_rates_info.rate_index": OFF.clockRates.rateIndex,
    "clock u.clock_rates_info.num_rates": OFF.clockRates.numRates,
    "clock u.clock_rates_info.remaining": OFF.clockRates.remaining,
    "clock u.clock_rates_info.rates": OFF.clockRates.rates,
    "clock u.clock_rate_info.rate": OFF.rateGet.rate,
    "clock u.clock_rate_set_info.flags": OFF.rateSet.flags,
    "clock u.clock_rate_set_info.rate": OFF.rateSet.rate,
    "clock u.clock_config_info.flags": OFF.config.flags,
    "clock u.clock_config_info.config": OFF.config.config,
    "clock u.clock_config_info.extended_config_val": OFF.config.extendedConfigVal,
    "clock u.clock_name_info.name": OFF.clockName.name,
    "reset u.reset_info.domain_id": OFF.id,
    "reset u.reset_info.flags": OFF.reset.flags,
    "reset u.reset_info.reset_state": OFF.reset.resetState,
    "power u.power_attr.flags": OFF.powerAttr.flags,
    "power u.power_attr.name": OFF.powerAttr.name,
    "power u.power_state_info.power_state": OFF.powerState.state,
  };
  for (const [k, v] of Object.entries(ours)) {
    assertEquals(v, COMPILED[k as keyof typeof COMPILED], k);
  }
});

Deno.test("abi: every helper call hands the kernel the bytes the C structure holds", () => {
  const k = new FakeZone0(
    Array.from({ length: 8 }, (_, i) => ({ name: `c${i}`, rate: 1000, refs: 0 })),
    6,
    ["a", "b"],
  );
  const h = new HvisorHelper(k.ioctl);
  const sent = (f: () => unknown) => {
    f();
    const calls = k.take();
    assertEquals(calls.length, 1);
    return calls[0];
  };
  const cases: [string, number, () => unknown][] = [
    ["clockCount", HvisorIoctl.CLOCK, () => h.clockCount()],
    ["clockName7", HvisorIoctl.CLOCK, () => h.clockName(7)],
    ["rateGet3", HvisorIoctl.CLOCK, () => h.rateGet(3)],
    ["rateSet3_5940MHz", HvisorIoctl.CLOCK, () => h.rateSet(3, 5_940_000_000)],
    ["configGet2", HvisorIoctl.CLOCK, () => h.configGet(2)],
    ["configSet2On", HvisorIoctl.CLOCK, () => h.configSet(2, true)],
    ["configSet2Off", HvisorIoctl.CLOCK, () => h.configSet(2, false)],
    ["describeRates1", HvisorIoctl.CLOCK, () => h.clockRates(1)],
    ["resetCount", HvisorIoctl.RESET, () => h.resetCount()],
    ["reset5Assert", HvisorIoctl.RESET, () => h.reset(5, 2, 0)],
    ["reset5Deassert", HvisorIoctl.RESET, () => h.reset(5, 0, 0)],
    ["reset5Pulse", HvisorIoctl.RESET, () => h.reset(5, 1, 0)],
    ["powerCount", HvisorIoctl.POWER, () => h.powerCount()],
    ["powerAttributes1", HvisorIoctl.POWER, () => h.powerName(1)],
    ["powerGet1", HvisorIoctl.POWER, () => h.powerGet(1)],
    ["powerSet1Off", HvisorIoctl.POWER, () => h.powerSet(1, 0x40000000)],
    ["powerSet1On", HvisorIoctl.POWER, () => h.powerSet(1, 0)],
  ];
  for (const [name, request, call] of cases) {
    assertEquals(sent(call), { request, hex: VECTORS[name] }, name);
  }
});

Deno.test("abi: answers are read where the kernel writes them (u64 rate after padding, names)", () => {
  const k = new FakeZone0([{ name: "aclk_npu0", rate: 5_940_000_000, refs: 1 }], 1, ["pd_npu"]);
  const h = new HvisorHelper(k.ioctl);
  assertEquals(h.rateGet(0), 5_940_000_000);
  assertEquals(h.clockName(0), "aclk_npu0");
  assertEquals(h.clockAttributes(0), { enabled: true, name: "aclk_npu0" });
  assertEquals(h.configGet(0), true);
  assertEquals(h.powerName(0), "pd_npu");
  assertEquals(h.powerGet(0), 0x40000000);
  assertEquals([h.clockCount(), h.resetCount(), h.powerCount()], [1, 1, 1]);
  // c724e91's module fills no rate list.
  assertEquals(h.clockRates(0), []);
});

Deno.test("abi: a rate that is no whole number of Hz is OUT_OF_RANGE, and nothing is sent", () => {
  const k = new FakeZone0([{ name: "c", rate: 1, refs: 0 }], 0, []);
  const h = new HvisorHelper(k.ioctl);
  for (const bad of [NaN, -1, 1.5, Infinity, 2 ** 60]) {
    const e = assertThrows(() => h.rateSet(0, bad), DriverError) as DriverError;
    assertEquals(e.status, Status.OUT_OF_RANGE, String(bad));
  }
  assertEquals(k.take(), []);
});
