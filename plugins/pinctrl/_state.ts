/**
 * Pin control protocol state: the board's pins, groups and functions by physical id, which
 * function fits which pin or group, and the claims agents hold (PINCTRL_REQUEST).
 *
 * Claims: a pin is **owned** by an agent while any of that agent's sessions holds it, by
 * requesting the pin itself or a group it belongs to; no two agents own a pin at once. The
 * owner is the only agent that may configure the pin, or a group with that pin, until every
 * claim covering it is released (explicitly, by the session ending, or by the agent losing
 * the pin or group at run time). Pins nobody owns may be configured by any agent with write
 * rights.
 * @module
 */
import type { FunctionDesc, GroupDesc, PinDesc, ResourceKind } from "../../core/board.ts";
import type { PinctrlHw, PinTarget } from "../../core/hw/pinctrl.ts";
import type { PlatformEnv } from "../../core/platform_env.ts";
import type { Ctx } from "../../core/session.ts";
import { Status } from "../../core/status.ts";
import { FLAGS_RESERVED, Selector } from "./msg.ts";

/** A function as the protocol uses it. */
export interface PinctrlFunction {
  readonly desc: FunctionDesc;
  /** It applies to single pins, not groups (PIN_ONLY_FUNCTION). */
  readonly pinOnly: boolean;
  /** What PINCTRL_LIST_ASSOCIATIONS lists: physical pins when pin-only, else groups. */
  readonly members: readonly number[];
  /** Groups it may be selected on. */
  readonly groups: ReadonlySet<number>;
  /** Pins it may be selected on one by one: its own (pin-only) or those of its groups. */
  readonly pins: ReadonlySet<number>;
}

/** Protocol-wide state. */
export interface PinctrlShared {
  /** Physical id → description. */
  readonly pins: readonly (PinDesc | undefined)[];
  readonly groups: readonly (GroupDesc | undefined)[];
  readonly functions: readonly (PinctrlFunction | undefined)[];
  /** Physical pin → id of the agent owning it, 0 when none. */
  readonly owner: number[];
  /** Physical pin → how many claims of its owner cover it. */
  readonly holds: number[];
}

/** Per-session state: what this session requested, physical ids. */
export interface PinctrlSession {
  readonly pins: Set<number>;
  readonly groups: Set<number>;
}

export type PinctrlCtx = Ctx<PinctrlSession, PinctrlShared>;

/** Selector → resource kind; undefined for the reserved selector 3. */
const KIND_OF: readonly (ResourceKind | undefined)[] = ["pin", "group", "function", undefined];

/**
 * The kind a plain `flags` word (bits 1:0 selector, 31:2 reserved) selects, or undefined
 * when it sets a reserved bit or the reserved selector.
 */
export function kindOf(flags: number): ResourceKind | undefined {
  return (flags & FLAGS_RESERVED) !== 0 ? undefined : KIND_OF[flags & 0x3];
}

/** Target of a selector that must name a pin or a group; undefined otherwise. */
export function targetOf(selector: number): PinTarget | undefined {
  return selector === Selector.PIN ? "pin" : selector === Selector.GROUP ? "group" : undefined;
}

/**
 * The physical id behind the agent's `vid` of `kind` when it sees it with the `needs`
 * rights; otherwise NOT_FOUND (not visible) or DENIED (visible without those rights).
 */
export function lookup(ctx: PinctrlCtx, kind: ResourceKind, vid: number, needs: number): number {
  const map = ctx.ids(kind);
  const phys = map.toPhysical(vid);
  if (phys < 0) return Status.NOT_FOUND;
  if ((map.rights[vid] & needs) !== needs) return Status.DENIED;
  return phys;
}

/** The name this agent sees for its `vid` of `kind` (physical `phys`). */
export function nameOf(ctx: PinctrlCtx, kind: ResourceKind, vid: number, phys: number): string {
  const own = ctx.ids(kind).names[vid];
  if (own !== undefined) return own;
  const s = ctx.shared;
  const d = kind === "pin"
    ? s.pins[phys]
    : kind === "group"
    ? s.groups[phys]
    : s.functions[phys]?.desc;
  if (d === undefined) throw new TypeError(`${kind} ${phys} is not on the board`);
  return d.name;
}

/** The driver object behind pin or group `phys`. */
export function hwOf(ctx: PinctrlCtx, target: PinTarget, phys: number): PinctrlHw {
  const hw = target === "pin" ? ctx.hw.pin[phys] : ctx.hw.group[phys];
  if (hw === undefined) throw new TypeError(`${target} ${phys} has no driver`);
  return hw;
}

/** Physical pins of group `phys`. */
export function groupPins(s: PinctrlShared, phys: number): readonly number[] {
  const g = s.groups[phys];
  if (g === undefined) throw new TypeError(`group ${phys} is not on the board`);
  return g.pins;
}

/** Whether function `fn` (physical) may be selected on pin or group `phys`. */
export function fits(s: PinctrlShared, target: PinTarget, phys: number, fn: number): boolean {
  const f = s.functions[fn];
  if (f === undefined) return false;
  return target === "pin" ? f.pins.has(phys) : f.groups.has(phys);
}

/** Whether an agent other than `agent` owns pin `phys`, or a pin of group `phys`. */
export function ownedByOther(
  s: PinctrlShared,
  target: PinTarget,
  phys: number,
  agent: number,
): boolean {
  if (target === "pin") return s.owner[phys] !== 0 && s.owner[phys] !== agent;
  for (const p of groupPins(s, phys)) if (s.owner[p] !== 0 && s.owner[p] !== agent) return true;
  return false;
}

function hold(s: PinctrlShared, pin: number, agent: number): void {
  s.owner[pin] = agent;
  s.holds[pin]++;
}

function unhold(s: PinctrlShared, pin: number): void {
  if (--s.holds[pin] <= 0) {
    s.holds[pin] = 0;
    s.owner[pin] = 0;
  }
}

/**
 * Session `ctx` claims pin or group `phys` for its agent. SUCCESS (also when it already
 * holds it), or IN_USE when another agent owns the pin or one of the group's pins.
 */
export function claim(ctx: PinctrlCtx, target: PinTarget, phys: number): Status {
  const s = ctx.shared;
  const agent = ctx.agent.id;
  const mine = target === "pin" ? ctx.state.pins : ctx.state.groups;
  if (mine.has(phys)) return Status.SUCCESS;
  if (ownedByOther(s, target, phys, agent)) return Status.IN_USE;
  mine.add(phys);
  if (target === "pin") hold(s, phys, agent);
  else for (const p of groupPins(s, phys)) hold(s, p, agent);
  return Status.SUCCESS;
}

/**
 * Session `ctx` gives up its claim on pin or group `phys`. SUCCESS when it held it or
 * nobody else owns it (nothing to release); DENIED when another agent owns it.
 */
export function unclaim(ctx: PinctrlCtx, target: PinTarget, phys: number): Status {
  const s = ctx.shared;
  const mine = target === "pin" ? ctx.state.pins : ctx.state.groups;
  if (!mine.delete(phys)) {
    return ownedByOther(s, target, phys, ctx.agent.id) ? Status.DENIED : Status.SUCCESS;
  }
  if (target === "pin") unhold(s, phys);
  else for (const p of groupPins(s, phys)) unhold(s, p);
  return Status.SUCCESS;
}

/** Builds the protocol-wide tables. Throws TypeError naming what the board gets wrong. */
export function setupPinctrl(env: PlatformEnv): PinctrlShared {
  const b = env.board;
  const pins: (PinDesc | undefined)[] = [];
  for (const p of b.pin) pins[p.id] = p;
  const groups: (GroupDesc | undefined)[] = [];
  for (const g of b.group) {
    for (const p of g.pins) {
      if (pins[p] === undefined) {
        throw new TypeError(`group "${g.name}": pin ${p} is not on the board`);
      }
    }
    groups[g.id] = g;
  }
  const functions: (PinctrlFunction | undefined)[] = [];
  for (const f of b.function) {
    const own = f.pins ?? [];
    const pinOnly = own.length > 0;
    for (const p of own) {
      if (pins[p] === undefined) {
        throw new TypeError(`function "${f.name}": pin ${p} is not on the board`);
      }
    }
    const fitPins = new Set(own);
    if (!pinOnly) {
      for (const g of f.groups) {
        const gd = groups[g];
        if (gd === undefined) {
          throw new TypeError(`function "${f.name}": group ${g} is not on the board`);
        }
        for (const p of gd.pins) fitPins.add(p);
      }
    }
    functions[f.id] = {
      desc: f,
      pinOnly,
      members: pinOnly ? own : f.groups,
      groups: new Set(pinOnly ? [] : f.groups),
      pins: fitPins,
    };
  }
  return {
    pins,
    groups,
    functions,
    owner: Array.from({ length: pins.length }, () => 0),
    holds: Array.from({ length: pins.length }, () => 0),
  };
}

export function openPinctrl(): PinctrlSession {
  return { pins: new Set(), groups: new Set() };
}

/** The session ends: every claim it holds is released. */
export function closePinctrl(ctx: PinctrlCtx): void {
  for (const p of [...ctx.state.pins]) unclaim(ctx, "pin", p);
  for (const g of [...ctx.state.groups]) unclaim(ctx, "group", g);
}

/** The agent loses pin or group `phys`: this session's claim on it is released. */
export function revokePinctrl(ctx: PinctrlCtx, kind: ResourceKind, phys: number): void {
  if (kind === "pin" && ctx.state.pins.has(phys)) unclaim(ctx, "pin", phys);
  else if (kind === "group" && ctx.state.groups.has(phys)) unclaim(ctx, "group", phys);
}
