/**
 * Discovery commands of the Pin control protocol: PROTOCOL_ATTRIBUTES, PINCTRL_ATTRIBUTES,
 * PINCTRL_LIST_ASSOCIATIONS and PINCTRL_NAME_GET. Everything is answered in the agent's
 * view: its own virtual ids, only what it may see.
 * @module
 */
import { type CommandDef, page, type ResourceKind, Right, Status } from "../../mod.ts";
import {
  groupPins,
  kindOf,
  lookup,
  nameOf,
  type PinctrlCtx,
  type PinctrlSession,
  type PinctrlShared,
} from "./_state.ts";
import { MAX_RETURNED, PinctrlAttr, Selector } from "./msg.ts";

type Command = CommandDef<PinctrlSession, PinctrlShared>;

/** The kind of what group or function `phys` associates: pins, or a function's groups. */
function memberKind(ctx: PinctrlCtx, kind: ResourceKind, phys: number): ResourceKind {
  return kind === "function" && !ctx.shared.functions[phys]!.pinOnly ? "group" : "pin";
}

/** Physical ids group or function `phys` associates, board order. */
function members(ctx: PinctrlCtx, kind: ResourceKind, phys: number): readonly number[] {
  return kind === "group" ? groupPins(ctx.shared, phys) : ctx.shared.functions[phys]!.members;
}

/** How many of physical `ids` of `kind` the agent sees. */
function visible(ctx: PinctrlCtx, kind: ResourceKind, ids: readonly number[]): number {
  const map = ctx.ids(kind);
  let n = 0;
  for (const p of ids) if (map.has(p)) n++;
  return n;
}

/**
 * §4.11.2.2 PROTOCOL_ATTRIBUTES. a2p: —. p2a: u32 attributes_low (31:16 groups, 15:0 pins),
 * u32 attributes_high (15:0 functions, 31:16 reserved) — what this agent sees.
 */
export const protocolAttributes: Command = {
  name: "PROTOCOL_ATTRIBUTES",
  params: 0,
  run(ctx, m) {
    const pins = Math.min(ctx.ids("pin").count, 0xffff);
    const groups = Math.min(ctx.ids("group").count, 0xffff);
    m.w.u32(((groups << 16) | pins) >>> 0);
    m.w.u32(Math.min(ctx.ids("function").count, 0xffff));
  },
};

/**
 * §4.11.2.4 PINCTRL_ATTRIBUTES. a2p: u32 identifier, u32 flags (1:0 selector; 31:2
 * reserved). p2a: u32 attributes (31 extended name, 17 GPIO function, 16 pin-only function,
 * 15:0 elements: 1 for a pin, the group's pins, the function's groups or pins — those the
 * agent sees), char name[16].
 */
export const pinctrlAttributes: Command = {
  name: "PINCTRL_ATTRIBUTES",
  params: 8,
  a2p: "identifier flags",
  run(ctx, m) {
    const id = m.r.u32();
    const kind = kindOf(m.r.u32());
    if (kind === undefined) return Status.INVALID_PARAMETERS;
    const phys = lookup(ctx, kind, id, Right.READ);
    if (phys < 0) return phys as Status;
    const name = nameOf(ctx, kind, id, phys);
    let attrs = 1;
    if (kind !== "pin") {
      attrs = Math.min(visible(ctx, memberKind(ctx, kind, phys), members(ctx, kind, phys)), 0xffff);
    }
    if (kind === "function") {
      const f = ctx.shared.functions[phys]!;
      if (f.pinOnly) attrs |= PinctrlAttr.PIN_ONLY_FUNCTION;
      if (f.desc.gpio === true) attrs |= PinctrlAttr.GPIO_FUNCTION;
    }
    if (name.length > 15) attrs |= PinctrlAttr.EXTENDED_NAME;
    m.w.u32(attrs >>> 0);
    m.w.name(name, 16);
  },
};

/**
 * §4.11.2.5 PINCTRL_LIST_ASSOCIATIONS. a2p: u32 identifier, u32 flags (1:0 selector: group
 * or function; 31:2 reserved), u32 index. p2a: u32 flags (31:16 remaining, 11:0 returned),
 * u16 ids[returned] padded with zeros to a 4-byte boundary: a group's pins, a function's
 * groups (its pins when pin-only), those the agent sees, in board order, by the agent's
 * ids, from `index`, as many as fit the agent's message size (at least one when some
 * remain). A pin selector → INVALID_PARAMETERS; `index` past the count → INVALID_PARAMETERS.
 */
export const pinctrlListAssociations: Command = {
  name: "PINCTRL_LIST_ASSOCIATIONS",
  params: 12,
  a2p: "identifier flags index",
  run(ctx, m) {
    const id = m.r.u32();
    const flags = m.r.u32();
    const index = m.r.u32();
    const kind = kindOf(flags);
    if (kind === undefined || (flags & 0x3) === Selector.PIN) return Status.INVALID_PARAMETERS;
    const phys = lookup(ctx, kind, id, Right.READ);
    if (phys < 0) return phys as Status;
    const ids = members(ctx, kind, phys);
    const mk = memberKind(ctx, kind, phys);
    const map = ctx.ids(mk);
    const total = visible(ctx, mk, ids);
    if (index > total) return Status.INVALID_PARAMETERS;
    const w = m.w;
    // u16 ids in whole words after the flags word; one id (and its padding) at the least.
    const n = page(total, index, 2, w, 4, MAX_RETURNED);
    w.u32(((Math.min(total - index - n, 0xffff) << 16) | n) >>> 0);
    let seen = 0;
    let written = 0;
    for (const p of ids) {
      if (written === n) break;
      const v = map.toVirtual(p);
      if (v < 0 || seen++ < index) continue;
      w.u16(v);
      written++;
    }
    if ((n & 1) !== 0) w.zeros(2);
  },
};

/**
 * §4.11.2.10 PINCTRL_NAME_GET. a2p: u32 identifier, u32 flags (1:0 selector; 31:2
 * reserved). p2a: u32 flags (0), char name[64]. Answers every pin, group and function the
 * agent sees, long name or not.
 */
export const pinctrlNameGet: Command = {
  name: "PINCTRL_NAME_GET",
  params: 8,
  a2p: "identifier flags",
  run(ctx, m) {
    const id = m.r.u32();
    const kind = kindOf(m.r.u32());
    if (kind === undefined) return Status.INVALID_PARAMETERS;
    const phys = lookup(ctx, kind, id, Right.READ);
    if (phys < 0) return phys as Status;
    m.w.u32(0);
    m.w.name(nameOf(ctx, kind, id, phys), 64);
  },
};
