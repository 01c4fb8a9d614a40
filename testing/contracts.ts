/**
 * The hardware contracts of the built-in resource kinds (each protocol's `hw.ts`), for
 * {@linkcode driverConformance}: a driver serving clocks, resets, power domains, performance
 * domains, sensors, voltage domains, pins and groups, or power-capping domains walks the
 * kind's contract from here. Hostile values (a rate of 2³²−1, an unknown parent, a
 * configuration type nobody has) must be answered or refused with a status.
 * @module
 */
import type { ClockHw } from "../plugins/clock/hw.ts";
import type { PerfHw } from "../plugins/perf/hw.ts";
import type { PinctrlHw, PinTarget } from "../plugins/pinctrl/hw.ts";
import type { PowerHw } from "../plugins/power/hw.ts";
import type { PowercapHw } from "../plugins/powercap/hw.ts";
import type { ResetHw } from "../plugins/reset/hw.ts";
import type { SensorHw } from "../plugins/sensor/hw.ts";
import type { VoltageHw } from "../plugins/voltage/hw.ts";
import { clockKind } from "../plugins/clock/kind.ts";
import { perfKind } from "../plugins/perf/kind.ts";
import { groupKind, pinKind } from "../plugins/pinctrl/kind.ts";
import { powerKind } from "../plugins/power/kind.ts";
import { powercapKind } from "../plugins/powercap/kind.ts";
import { resetKind } from "../plugins/reset/kind.ts";
import { sensorKind } from "../plugins/sensor/kind.ts";
import { voltageKind } from "../plugins/voltage/kind.ts";
import { answersBoolean, answersNumber, type HwContract } from "./driver.ts";

const HUGE = 0xffff_ffff;

function contract<H>(c: HwContract<H>): HwContract {
  return c as HwContract;
}

const clock = contract<ClockHw>({
  kind: clockKind,
  required: ["getRate", "setRate", "isEnabled", "setEnabled"],
  calls: (hw, id) => ({
    getRate: () => answersNumber("getRate", hw.getRate(id)),
    "setRate to its own rate": async () =>
      answersNumber("setRate", hw.setRate(id, await hw.getRate(id), "nearest")),
    "setRate 2³²−1 up": () => answersNumber("setRate", hw.setRate(id, HUGE, "up")),
    "setRate 0 down": () => answersNumber("setRate", hw.setRate(id, 0, "down")),
    isEnabled: () => answersBoolean("isEnabled", hw.isEnabled(id)),
    "setEnabled on, off, back": async () => {
      const was = hw.isEnabled(id);
      await hw.setEnabled(id, true);
      await hw.setEnabled(id, false);
      await hw.setEnabled(id, was);
    },
    getParent: () => hw.getParent && answersNumber("getParent", hw.getParent(id)),
    "setParent unknown": () => hw.setParent?.(id, HUGE),
    "getOemConfig unknown type": () => hw.getOemConfig?.(id, 0xff),
    "setOemConfig unknown type": () => hw.setOemConfig?.(id, 0xff, HUGE),
  }),
});

const reset = contract<ResetHw>({
  kind: resetKind,
  required: ["isAsserted", "setAsserted", "pulse"],
  calls: (hw, id) => ({
    isAsserted: () => answersBoolean("isAsserted", hw.isAsserted(id)),
    "assert, deassert": async () => {
      await hw.setAsserted(id, true, 0);
      await hw.setAsserted(id, false, 0);
    },
    "pulse, vendor state 2³¹−1": () => hw.pulse(id, 0x7fff_ffff),
  }),
});

const power = contract<PowerHw>({
  kind: powerKind,
  required: ["getState", "setState"],
  calls: (hw, id) => ({
    getState: () => answersNumber("getState", hw.getState(id)),
    "setState its own state": () => hw.setState(id, hw.getState(id)),
    "setState 2³²−1": () => hw.setState(id, HUGE),
  }),
});

const perf = contract<PerfHw>({
  kind: perfKind,
  required: ["getLevel", "setLevel", "setLimits"],
  calls: (hw, id) => ({
    getLevel: () => answersNumber("getLevel", hw.getLevel(id)),
    "setLevel its own level": async () =>
      answersNumber("setLevel", hw.setLevel(id, await hw.getLevel(id))),
    "setLevel 2³²−1": () => hw.setLevel(id, HUGE),
    "setLimits inverted": () => hw.setLimits(id, HUGE, 0),
  }),
});

const sensor = contract<SensorHw>({
  kind: sensorKind,
  required: ["sample"],
  calls: (hw, id) => ({
    sample: () => answersNumber("sample", hw.sample(id, [])),
    isEnabled: () => hw.isEnabled && answersBoolean("isEnabled", hw.isEnabled(id)),
    "setEnabled on": () => hw.setEnabled?.(id, true),
    getIntervalUs: () => hw.getIntervalUs && answersNumber("getIntervalUs", hw.getIntervalUs(id)),
    "setIntervalUs 2³²−1": () => hw.setIntervalUs?.(id, HUGE),
  }),
});

const voltage = contract<VoltageHw>({
  kind: voltageKind,
  required: ["getLevel", "setLevel", "isOn", "setOn"],
  calls: (hw, id) => ({
    getLevel: () => answersNumber("getLevel", hw.getLevel(id)),
    "setLevel its own level": async () => hw.setLevel(id, await hw.getLevel(id)),
    "setLevel 2³¹−1 µV": () => hw.setLevel(id, 0x7fff_ffff),
    isOn: () => answersBoolean("isOn", hw.isOn(id)),
    "setOn as it is": () => hw.setOn(id, hw.isOn(id)),
  }),
});

const pinctrl = (target: PinTarget) =>
  contract<PinctrlHw>({
    kind: target === "pin" ? pinKind : groupKind,
    required: ["configTypes", "getConfig", "setConfigs", "getFunction", "setFunction"],
    calls: (hw, id) => ({
      "getConfig of every type it has": async () => {
        for (const type of hw.configTypes(target, id)) {
          await answersNumber("getConfig", hw.getConfig(target, id, type));
        }
      },
      "getConfig of a type it lacks": () => hw.getConfig(target, id, 0xfe),
      "setConfigs of a type it lacks": () => hw.setConfigs(target, id, [0xfe, HUGE], 1),
      getFunction: () => answersNumber("getFunction", hw.getFunction(target, id)),
      "setFunction unknown": () => hw.setFunction(target, id, 0xffff),
    }),
  });

const powercap = contract<PowercapHw>({
  kind: powercapKind,
  required: ["getCap", "setCap", "getPai", "setPai", "measure"],
  calls: (hw, id) => ({
    getCap: () => answersNumber("getCap", hw.getCap(id)),
    "setCap its own cap": () => hw.setCap(id, hw.getCap(id)),
    "setCap 2³²−1": () => hw.setCap(id, HUGE),
    getPai: () => answersNumber("getPai", hw.getPai(id)),
    "setPai 0": () => hw.setPai(id, 0),
    measure: () => answersNumber("measure", hw.measure(id)),
  }),
});

/** The contracts of every built-in resource kind that drivers back one resource at a time. */
export const BUILTIN_CONTRACTS: readonly HwContract[] = [
  clock,
  reset,
  power,
  perf,
  sensor,
  voltage,
  pinctrl("pin"),
  pinctrl("group"),
  powercap,
];
