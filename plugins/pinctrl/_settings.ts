/**
 * PINCTRL_SETTINGS_GET and PINCTRL_SETTINGS_CONFIGURE: reading and changing the function and
 * configuration of a pin or a group.
 * @module
 */
import { type CommandDef, type Outcome, page, Right, Status } from "../../mod.ts";
import { isPinConfigType, NO_FUNCTION, PinConfig, type PinTarget } from "./hw.ts";
import {
  fits,
  hwOf,
  lookup,
  ownedByOther,
  type PinctrlCtx,
  type PinctrlSession,
  type PinctrlShared,
  targetOf,
} from "./_state.ts";
import { ConfigFlag, NO_FUNCTION_ID, SettingsConfigure, SettingsGet } from "./msg.ts";

type Command = CommandDef<PinctrlSession, PinctrlShared>;

/** Most configurations one PINCTRL_SETTINGS_CONFIGURE carries (bits 9:2). */
const MAX_CONFIGS = 0xff;
/** Most configurations one PINCTRL_SETTINGS_GET reply returns (bits 7:0). */
const MAX_RETURNED = 0xff;

/** The (type, value) pairs of the message being handled; reused, the path is synchronous. */
const pairs = new Uint32Array(2 * MAX_CONFIGS);

/** Whether `value` is one `type` may take as far as the specification says. */
function valueAllowed(type: number, value: number): boolean {
  switch (type) {
    case PinConfig.INPUT_MODE:
    case PinConfig.OUTPUT_MODE:
    case PinConfig.OUTPUT_VALUE:
      return value <= 1;
    default:
      return true;
  }
}

/** The function selected on `target` `phys`, as the agent's id or 0xFFFFFFFF. */
function selected(ctx: PinctrlCtx, target: PinTarget, phys: number): number {
  const fn = hwOf(ctx, target, phys).getFunction(target, phys);
  if (fn === NO_FUNCTION) return NO_FUNCTION_ID;
  const v = ctx.ids("function").toVirtual(fn);
  return v < 0 ? NO_FUNCTION_ID : v;
}

/**
 * §4.11.2.6 PINCTRL_SETTINGS_GET. a2p: u32 identifier, u32 attributes (31:20 reserved;
 * 19:18 config flag: 0 one type, 1 all, 2 function only, 3 reserved; 17:16 selector: pin or
 * group; 15:8 skip; 7:0 config type). p2a: u32 function_selected (the agent's id, 0xFFFFFFFF
 * for none or a function it cannot see), u32 num_configs (31:24 remaining, 7:0 returned),
 * then {u32 type, u32 value} × returned. Flag 0 returns that one type (returned 1); flag 1
 * every type the target has, ascending, from `skip`, as many as fit (at least one when
 * some remain; `skip` past the count → INVALID_PARAMETERS); flag 2 none.
 * INVALID_PARAMETERS: reserved bits, flag 3, a function or reserved selector, a reserved
 * type. NOT_SUPPORTED: a type the target does not have.
 */
export const pinctrlSettingsGet: Command = {
  name: "PINCTRL_SETTINGS_GET",
  params: 8,
  a2p: "identifier attributes",
  run(ctx, m) {
    const id = m.r.u32();
    const attrs = m.r.u32();
    const flag = (attrs >>> SettingsGet.FLAG_SHIFT) & 0x3;
    const target = targetOf((attrs >>> SettingsGet.SELECTOR_SHIFT) & 0x3);
    if ((attrs & SettingsGet.RESERVED) !== 0 || flag === 3 || target === undefined) {
      return Status.INVALID_PARAMETERS;
    }
    const phys = lookup(ctx, target, id, Right.READ);
    if (phys < 0) return phys as Status;
    const hw = hwOf(ctx, target, phys);
    const w = m.w;
    switch (flag) {
      case ConfigFlag.ONE: {
        const type = attrs & SettingsGet.TYPE_MASK;
        if (!isPinConfigType(type)) return Status.INVALID_PARAMETERS;
        const value = hw.getConfig(target, phys, type);
        w.u32(selected(ctx, target, phys));
        w.u32(1);
        w.u32(type);
        w.u32(value);
        return;
      }
      case ConfigFlag.ALL: {
        const skip = (attrs >>> SettingsGet.SKIP_SHIFT) & 0xff;
        const types = hw.configTypes(target, phys);
        const total = types.length;
        if (skip > total) return Status.INVALID_PARAMETERS;
        // {type, value} pairs after the selected-function and flags words.
        const n = page(total, skip, 8, w, 8, MAX_RETURNED);
        w.u32(selected(ctx, target, phys));
        w.u32((((total - skip - n) << 24) | n) >>> 0);
        for (let i = skip; i < skip + n; i++) {
          w.u32(types[i]);
          w.u32(hw.getConfig(target, phys, types[i]));
        }
        return;
      }
      default:
        w.u32(selected(ctx, target, phys));
        w.u32(0);
    }
  },
};

/**
 * §4.11.2.7 PINCTRL_SETTINGS_CONFIGURE. a2p: u32 identifier, u32 function_id, u32
 * attributes (31:11 reserved; 10 function_id valid; 9:2 number of configurations; 1:0
 * selector: pin or group), then {u32 type, u32 value} × that number. p2a: —.
 *
 * With bit 10 set, `function_id` (the agent's id) is selected on the pin or on every pin of
 * the group, or 0xFFFFFFFF deselects; without it `function_id` is ignored (Linux sends
 * 0xFFFFFFFF). Configurations apply in order, all or none. Checks, in order: the length is
 * exactly 12 + 8 × number (PROTOCOL_ERROR); reserved bits, a function or reserved selector
 * (INVALID_PARAMETERS); the pin or group visible (NOT_FOUND) and writable (DENIED); not
 * owned by another agent, nor any pin of the group (DENIED); the function visible
 * (NOT_FOUND) and fitting the pin or group (INVALID_PARAMETERS); each type defined
 * (INVALID_PARAMETERS) with a value it may take (INVALID_PARAMETERS: 0 or 1 for input mode,
 * output mode, output value); then the driver (NOT_SUPPORTED for a type the target lacks).
 */
export const pinctrlSettingsConfigure: Command = {
  name: "PINCTRL_SETTINGS_CONFIGURE",
  params: { min: 12, max: 12 + 8 * MAX_CONFIGS },
  a2p: "identifier function_id attributes",
  run(ctx, m) {
    const id = m.r.u32();
    const fnId = m.r.u32();
    const attrs = m.r.u32();
    const count = (attrs >>> SettingsConfigure.COUNT_SHIFT) & 0xff;
    if (m.r.length !== 12 + 8 * count) return Status.PROTOCOL_ERROR;
    const target = targetOf(attrs & SettingsConfigure.SELECTOR_MASK);
    if ((attrs & SettingsConfigure.RESERVED) !== 0 || target === undefined) {
      return Status.INVALID_PARAMETERS;
    }
    const phys = lookup(ctx, target, id, Right.WRITE);
    if (phys < 0) return phys as Status;
    if (ownedByOther(ctx.shared, target, phys, ctx.agent.id)) return Status.DENIED;
    let fn: number | undefined;
    if ((attrs & SettingsConfigure.FUNCTION_VALID) !== 0) {
      if (fnId === NO_FUNCTION_ID) {
        fn = NO_FUNCTION;
      } else {
        fn = lookup(ctx, "function", fnId, Right.READ);
        if (fn < 0) return fn as Status;
        if (!fits(ctx.shared, target, phys, fn)) return Status.INVALID_PARAMETERS;
      }
    }
    for (let i = 0; i < count; i++) {
      const type = m.r.u32();
      const value = m.r.u32();
      if (!isPinConfigType(type) || !valueAllowed(type, value)) return Status.INVALID_PARAMETERS;
      pairs[2 * i] = type;
      pairs[2 * i + 1] = value;
    }
    const hw = hwOf(ctx, target, phys);
    const out = count > 0 ? hw.setConfigs(target, phys, pairs, count) : undefined;
    if (fn === undefined) return out;
    const f = fn;
    if (out instanceof Promise) return out.then(() => hw.setFunction(target, phys, f));
    return hw.setFunction(target, phys, f) as Outcome;
  },
};
