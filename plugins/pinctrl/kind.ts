/**
 * The pin-control resource kinds: `[[pin]]`, `[[group]]` and `[[function]]` board tables
 * and their member lists, all served by a driver's `pinctrl` sub-object.
 * @module
 */
import { defineKind, field, hwClass, type ResourceDesc } from "../../mod.ts";
import type { PinctrlHw } from "./hw.ts";

const { list, ref } = field;

/** A pin: its power-on configuration and function. */
export interface PinDesc extends ResourceDesc {
  /**
   * Power-on configuration values by SCMI configuration type (1–20 standard, 192–255 OEM;
   * see `PinConfig` and `PIN_CONFIG_NAMES` in `plugins/pinctrl/hw.ts`). The pin has every
   * standard type (value 0 unless given here) and the OEM types given here.
   */
  config?: Readonly<Record<number, number>>;
  /** Physical id of the function selected at power-on (default: none). */
  function?: number;
}

/** A pin group: the pins it holds. */
export interface GroupDesc extends ResourceDesc {
  /** Physical ids of its pins. */
  pins: number[];
}

/** A pin function: the groups or single pins that can carry it. */
export interface FunctionDesc extends ResourceDesc {
  /** Physical ids of the groups that can carry this function. */
  groups: number[];
  /**
   * A pin-only function: physical ids of the single pins that can carry it. When non-empty
   * the function applies to pins one by one, not to groups (`groups` is then empty), and
   * PINCTRL_LIST_ASSOCIATIONS lists these pins. Default: none.
   */
  pins?: number[];
  /** The function makes its pins GPIOs (PINCTRL_ATTRIBUTES GPIO bit). Default false. */
  gpio?: boolean;
}

/** The driver class serving pins, groups and functions. */
export const pinctrlHw = hwClass<PinctrlHw>("pinctrl");

/** Pins: `[[pin]]`, `pins = […]`. */
export const pinKind = defineKind({
  name: "pin",
  noun: "pin",
  member: "pins",
  hw: pinctrlHw,
  fields: {},
  convert: (_c, _p, base): PinDesc => ({ ...base }),
  refersTo: (d: PinDesc) => d.function === undefined ? [] : [["function", d.function] as const],
});

/** Pin groups: `[[group]]`, `groups = […]`. */
export const groupKind = defineKind({
  name: "group",
  noun: "pin group",
  member: "groups",
  hw: pinctrlHw,
  fields: { pins: list(ref("a pin"), "an array of pin names") },
  refersTo: (d: GroupDesc) => d.pins.map((p) => ["pin", p] as const),
  convert(c, p, base, t): GroupDesc {
    if (t.pins.length === 0) c.expect([...p, "pins"], "at least one pin");
    return { ...base, pins: c.refs("pin", [...p, "pins"], t.pins) };
  },
});

/** Pin functions: `[[function]]`, `functions = […]`. */
export const functionKind = defineKind({
  name: "function",
  noun: "pin function",
  member: "functions",
  hw: pinctrlHw,
  fields: { groups: list(ref("a pin group"), "an array of pin group names") },
  refersTo: (d: FunctionDesc) => [
    ...d.groups.map((g) => ["group", g] as const),
    ...(d.pins ?? []).map((p) => ["pin", p] as const),
  ],
  convert(c, p, base, t): FunctionDesc {
    if (t.groups.length === 0) c.expect([...p, "groups"], "at least one pin group");
    return { ...base, groups: c.refs("group", [...p, "groups"], t.groups) };
  },
});
