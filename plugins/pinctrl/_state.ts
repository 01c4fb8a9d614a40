/**
 * Pin control protocol state: the board's pins, groups and functions by physical id, which
 * function fits which pin or group, and the claims agents hold (PINCTRL_REQUEST).
 *
 * Claims: a pin is **owned** by an agent while that agent holds a claim covering it, by
 * requesting the pin itself or a group it belongs to; no two agents own a pin at once. The
 * owner is the only agent that may configure the pin, or a group with that pin, until every
 * claim covering it is released. Pins nobody owns may be configured by any agent with write
 * rights.
 *
 * Claims are the agent's votes in the platform's vote book (stores `pinctrl.pin` and
 * `pinctrl.group`), not its sessions': they go when the agent releases them, when its
 * grace period ends after its last session closed (at once by default), at an explicit end
 * (RESET_AGENT_CONFIGURATION, device reset), or when it loses the pin or group at run time.
 * `owner` and `holds` are derived from the claims, recounted on every change.
 * @module
 */
import {
  type AgentDirectory,
  type Ctx,
  type OnVotes,
  type ResourceKind,
  type SetupEnv,
  Status,
} from "../../mod.ts";
import { functionKind, groupKind, pinKind } from "./kind.ts";
import type { FunctionDesc, GroupDesc, PinDesc } from "./kind.ts";
import type { PinctrlHw, PinTarget } from "./hw.ts";
import { FLAGS_RESERVED, Selector } from "./msg.ts";

/** Names of the pin control protocol's stores in the vote book. */
export const PinctrlStore = { PIN: "pinctrl.pin", GROUP: "pinctrl.group" } as const;

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
  /** Agents' claims on pins (store `pinctrl.pin`). */
  readonly pinClaims: OnVotes;
  /** Agents' claims on groups (store `pinctrl.group`). */
  readonly groupClaims: OnVotes;
  /** Physical pin → the groups it belongs to. */
  readonly groupsOf: readonly (readonly number[])[];
  /** The agents on the platform, for PINCTRL_SET_PERMISSIONS. */
  readonly agents: AgentDirectory;
}

/** Per-session state: none (claims are the agent's). */
export type PinctrlSession = Record<string, never>;

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
  const hw = target === "pin" ? pinKind.hwOf(ctx.hw)[phys] : groupKind.hwOf(ctx.hw)[phys];
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

/** Recounts `owner` and `holds` of pin `pin` from the claims. */
function recount(s: PinctrlShared, pin: number): void {
  let owner = 0;
  let holds = 0;
  for (const a of s.pinClaims.voters(pin)) {
    owner = a;
    holds++;
  }
  for (const g of s.groupsOf[pin] ?? []) {
    for (const a of s.groupClaims.voters(g)) {
      owner = a;
      holds++;
    }
  }
  s.owner[pin] = owner;
  s.holds[pin] = holds;
}

/** Recounts every pin `target` `phys` covers. */
function recountTarget(s: PinctrlShared, target: PinTarget, phys: number): void {
  if (target === "pin") recount(s, phys);
  else for (const p of groupPins(s, phys)) recount(s, p);
}

/**
 * Claims pin or group `phys` for `ctx`'s agent. SUCCESS (also when it already holds it), or
 * IN_USE when another agent owns the pin or one of the group's pins.
 */
export function claim(ctx: PinctrlCtx, target: PinTarget, phys: number): Status {
  const s = ctx.shared;
  const agent = ctx.agent.id;
  const mine = target === "pin" ? s.pinClaims : s.groupClaims;
  if (mine.has(agent, phys)) return Status.SUCCESS;
  if (ownedByOther(s, target, phys, agent)) return Status.IN_USE;
  mine.vote(agent, phys, true);
  recountTarget(s, target, phys);
  return Status.SUCCESS;
}

/**
 * `ctx`'s agent gives up its claim on pin or group `phys`. SUCCESS when it held it or
 * nobody else owns it (nothing to release); DENIED when another agent owns it.
 */
export function unclaim(ctx: PinctrlCtx, target: PinTarget, phys: number): Status {
  const s = ctx.shared;
  const agent = ctx.agent.id;
  const mine = target === "pin" ? s.pinClaims : s.groupClaims;
  if (!mine.has(agent, phys)) {
    return ownedByOther(s, target, phys, agent) ? Status.DENIED : Status.SUCCESS;
  }
  mine.vote(agent, phys, false);
  recountTarget(s, target, phys);
  return Status.SUCCESS;
}

/** Builds the protocol-wide tables. Throws TypeError naming what the board gets wrong. */
export function setupPinctrl(env: SetupEnv<PinctrlSession>): PinctrlShared {
  const b = env.board;
  const pins: (PinDesc | undefined)[] = [];
  for (const p of pinKind.of(b)) pins[p.id] = p;
  const groups: (GroupDesc | undefined)[] = [];
  for (const g of groupKind.of(b)) {
    for (const p of g.pins) {
      if (pins[p] === undefined) {
        throw new TypeError(`group "${g.name}": pin ${p} is not on the board`);
      }
    }
    groups[g.id] = g;
  }
  const functions: (PinctrlFunction | undefined)[] = [];
  for (const f of functionKind.of(b)) {
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
  const groupsOf: number[][] = Array.from({ length: pins.length }, () => []);
  for (const g of groupKind.of(b)) for (const p of g.pins) groupsOf[p].push(g.id);
  // Restored claims are counted once both stores exist, and again whenever one goes.
  const pinClaims = env.votes.onOff(PinctrlStore.PIN, {
    kind: "pin",
    apply: (phys) => recountTarget(shared, "pin", phys),
  });
  const groupClaims = env.votes.onOff(PinctrlStore.GROUP, {
    kind: "group",
    apply: (phys) => recountTarget(shared, "group", phys),
  });
  const shared: PinctrlShared = {
    pins,
    groups,
    functions,
    owner: Array.from({ length: pins.length }, () => 0),
    holds: Array.from({ length: pins.length }, () => 0),
    pinClaims,
    groupClaims,
    groupsOf,
    agents: env.agents,
  };
  for (let p = 0; p < pins.length; p++) if (pins[p] !== undefined) recount(shared, p);
  return shared;
}

export function openPinctrl(): PinctrlSession {
  return {};
}

/** The agent loses pin or group `phys`: its claim on it is released. */
export function revokePinctrl(ctx: PinctrlCtx, kind: ResourceKind, phys: number): void {
  if (kind === "pin") ctx.withdraw(PinctrlStore.PIN, phys);
  else if (kind === "group") ctx.withdraw(PinctrlStore.GROUP, phys);
}
