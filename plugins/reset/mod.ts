/**
 * Reset domain management protocol (0x16), DEN0056 §4.8: versions 1.0, 2.0, 3.0 and 3.1.
 *
 * Versions differ on the wire only from 3.0 on: RESET_DOMAIN_NAME_GET (0x6) and the
 * extended-name attribute bit 29. 2.0 and 3.1 carry no layout change for this protocol.
 *
 * Shared domains: a domain stays in reset while any agent holds it asserted (explicit
 * assert); a de-assert releases only the caller's hold. An autonomous reset pulses the
 * hardware only when no other agent holds the domain; otherwise the domain is already in
 * reset and leaves it when the last holder releases it, so the request succeeds without a
 * hardware action (the caller's intent, its device going through reset, is met). An
 * autonomous reset also drops the caller's own hold. Operations on one domain run one at a
 * time in arrival order; a command that finds its domain busy waits for it.
 *
 * Holds are the agent's votes (store `reset.assert` of the platform's vote book), recorded
 * when the command arrives; the hardware operation runs in its turn. They belong to the
 * agent, not its session: the platform withdraws them when the agent's grace period ends, at
 * an explicit end, or when it loses the domain (`onRevoke`); the domain then follows the
 * remaining holders.
 *
 * RESET_ISSUED goes to the agents subscribed to the domain other than the one that reset it,
 * for every autonomous reset and explicit assert the platform accepts (a de-assert issues no
 * reset), with agent_id 0 (the platform): a guest never learns which other guest reset a
 * domain they share. The asynchronous-reset and notification attribute bits are set only for
 * sessions that have a platform→agent channel, and RESET_NOTIFY exists only for them.
 * RESET_COMPLETE is queued a timer tick after the reset ends at the earliest, so it never
 * overtakes the RESET reply. A board latency of 0x7fffffff (or more) is reported as 0x7fffffff, "unknown".
 * @module
 */
import {
  causerFor,
  type Ctx,
  defineProtocol,
  headerToken,
  type Msg,
  OnVotes,
  type Receiver,
  Right,
  Status,
  type Writer,
} from "../../mod.ts";
import { resetKind } from "./kind.ts";
import type { ResetDesc } from "./kind.ts";
import { type ResetHw, ResetState } from "./hw.ts";
import { ResetAttr, ResetEvent, ResetFlag, ResetMsg, ResetVersion } from "./msg.ts";
import { resetCall } from "./call.ts";

export { ResetAttr, ResetEvent, ResetFlag, ResetMsg };

/** Name of the reset protocol's store in the vote book. */
export const RESET_STORE = "reset.assert";

/** RESET_DOMAIN_ATTRIBUTES `latency` value meaning "not known". */
export const LATENCY_UNKNOWN = 0x7fff_ffff;

const FLAGS_KNOWN = ResetFlag.AUTONOMOUS | ResetFlag.EXPLICIT_ASSERT | ResetFlag.ASYNC;

/** What a RESET asks of a domain. */
export const ResetAction = { PULSE: 0, ASSERT: 1, DEASSERT: 2 } as const;
export type ResetAction = typeof ResetAction[keyof typeof ResetAction];

function noop(): void {}

/**
 * Arbitration of reset domains shared between agents, and the per-domain queue that keeps
 * hardware operations on one domain strictly one after another. Physical ids only.
 */
export class ResetArbiter {
  /** Agents holding each domain asserted by explicit assert. */
  readonly votes: OnVotes;
  readonly #hw: readonly (ResetHw | undefined)[];
  /** Physical id → settles when the last queued operation on it has finished. */
  readonly #tail = new Map<number, Promise<void>>();

  /** `votes`: where holds are kept (the vote book's store; a private one by default). */
  constructor(hw: readonly (ResetHw | undefined)[], votes: OnVotes = new OnVotes()) {
    this.#hw = hw;
    this.votes = votes;
  }

  /** Whether an operation is under way or queued on `phys`. */
  busy(phys: number): boolean {
    return this.#tail.has(phys);
  }

  /**
   * Performs `action` for `agent` on `phys`. The agent's hold changes now (an assert holds
   * the domain, a de-assert or an autonomous reset drops the hold); the hardware operation
   * runs at once when the domain is idle (synchronously unless the driver blocks), otherwise
   * after the operations queued before it, and then does what the holders at that moment
   * call for. A driver failure restores the agent's hold as it was and is thrown (or
   * rejected) to the caller.
   */
  run(phys: number, action: ResetAction, agent: number, state: number): void | Promise<void> {
    const votes = this.votes;
    const held = votes.has(agent, phys);
    const now = action === ResetAction.ASSERT;
    if (held !== now) votes.vote(agent, phys, now);
    let out: void | Promise<void>;
    try {
      // An idle domain runs the operation at once, with no queue closure to allocate.
      out = this.#tail.size === 0 || !this.#tail.has(phys)
        ? this.#track(phys, this.#exec(phys, action, state))
        : this.#queue(phys, () => this.#exec(phys, action, state));
    } catch (e) {
      this.#undo(phys, agent, now, held);
      throw e;
    }
    if (out instanceof Promise) {
      return out.catch((e) => {
        this.#undo(phys, agent, now, held);
        throw e;
      });
    }
  }

  /** A failed operation: the agent's hold goes back to what it was, unless it moved since. */
  #undo(phys: number, agent: number, now: boolean, held: boolean): void {
    if (now !== held && this.votes.has(agent, phys) === now) this.votes.vote(agent, phys, held);
  }

  /**
   * Brings `phys` in line with its holders — asserted while any agent holds it, released
   * otherwise — after the operations queued before. For holds withdrawn outside a command.
   */
  sync(phys: number): void | Promise<void> {
    return this.#queue(phys, () => this.#exec(phys, ResetAction.DEASSERT, ResetState.COLD));
  }

  #queue(phys: number, job: () => void | Promise<void>): void | Promise<void> {
    const prev = this.#tail.get(phys);
    return this.#track(phys, prev === undefined ? job() : prev.then(job));
  }

  #track(phys: number, out: void | Promise<void>): void | Promise<void> {
    if (!(out instanceof Promise)) return out;
    const settled = out.then(noop, noop);
    this.#tail.set(phys, settled);
    settled.then(() => {
      if (this.#tail.get(phys) === settled) this.#tail.delete(phys);
    });
    return out;
  }

  /** The hardware side of `action` on `phys`, given the holders now. */
  #exec(phys: number, action: ResetAction, state: number): void | Promise<void> {
    const hw = this.#hw[phys];
    if (hw === undefined) throw new TypeError(`Reset ${phys} has no driver`);
    const asserted = this.votes.effective(phys);
    switch (action) {
      case ResetAction.ASSERT:
      case ResetAction.DEASSERT:
        if (hw.isAsserted(phys) === asserted) return;
        return hw.setAsserted(phys, asserted, state);
      case ResetAction.PULSE:
        // Held by another agent: the domain is already in reset and leaves it with them.
        if (asserted) return;
        return hw.pulse(phys, state);
      default:
        throw new TypeError(`Unknown reset action ${action satisfies never}`);
    }
  }
}

/** Protocol-wide state: the arbiter and the board's descriptions by physical id. */
export interface ResetShared {
  readonly arbiter: ResetArbiter;
  readonly descs: readonly (ResetDesc | undefined)[];
  /**
   * RESET_ISSUED subscriptions over every session: while 0, a reset looks for no receiver
   * (the per-message path skips the walk over the sessions).
   */
  subscriptions: number;
  /** Every open reset session, for RESET_ISSUED. */
  readonly receivers: Iterable<Receiver<ResetSession>>;
}

/** Per-session state: the physical ids this session wants RESET_ISSUED for. */
export interface ResetSession {
  readonly subscribed: Set<number>;
}

type ResetCtx = Ctx<ResetSession, ResetShared>;

function desc(ctx: ResetCtx, phys: number): ResetDesc {
  const d = ctx.shared.descs[phys];
  if (d === undefined) throw new TypeError(`Reset ${phys} is not on the board`);
  return d;
}

/** The name this agent sees for its virtual id `vid`. */
function nameOf(ctx: ResetCtx, m: Msg): string {
  return ctx.ids("reset").names[m.vid] ?? desc(ctx, m.res).name;
}

/** Checks a RESET's flags and state against the domain; SUCCESS when it may go ahead. */
function checkReset(ctx: ResetCtx, d: ResetDesc, flags: number, state: number): Status {
  if ((flags & ~FLAGS_KNOWN) !== 0) return Status.INVALID_PARAMETERS;
  const auto = (flags & ResetFlag.AUTONOMOUS) !== 0;
  if (auto && (flags & ResetFlag.EXPLICIT_ASSERT) !== 0) return Status.INVALID_PARAMETERS;
  const isAsync = (flags & ResetFlag.ASYNC) !== 0;
  if (isAsync && !auto) return Status.INVALID_PARAMETERS;
  if ((state & ResetState.IMPL_DEFINED) === 0) {
    if (state !== ResetState.COLD) return Status.INVALID_PARAMETERS;
  } else if (d.states === undefined || !d.states.includes(state)) {
    return Status.NOT_SUPPORTED;
  }
  if (isAsync && !(d.async && ctx.canNotify)) return Status.NOT_SUPPORTED;
  return Status.SUCCESS;
}

// The RESET_ISSUED being sent, read by its builder (no closure per notification).
let issuedAgent = 0;
let issuedDomain = 0;
let issuedState = 0;

function buildIssued(w: Writer): void {
  w.u32(issuedAgent);
  w.u32(issuedDomain);
  w.u32(issuedState);
}

/**
 * RESET_ISSUED (event 0x0), p2a: u32 agent_id, u32 domain_id (the receiver's id), u32
 * reset_state — to every other agent subscribed to `phys` that can still see it. `agent_id`
 * follows `core/notify_rules.ts`: the receivers are other agents, so they read 0 (the
 * platform) and never learn which guest reset a domain they share.
 */
function issued(ctx: ResetCtx, phys: number, state: number): void {
  if (ctx.shared.subscriptions === 0) return;
  const agent = ctx.agent.id;
  for (const other of ctx.shared.receivers) {
    if (other.agent.id === agent || !other.state.subscribed.has(phys)) continue;
    const vid = other.virtualId("reset", phys);
    if (vid < 0) continue;
    issuedAgent = causerFor(other, agent);
    issuedDomain = vid;
    issuedState = state;
    other.notify(ResetEvent.RESET_ISSUED, 12, buildIssued);
  }
}

/**
 * RESET_COMPLETE (delayed response to RESET, message 0x4, the command's token), p2a:
 * i32 status, u32 domain_id (the agent's id). Sent one timer tick after completion at the
 * earliest, so it always follows the RESET reply.
 */
function completeLater(ctx: ResetCtx, m: Msg, out: void | Promise<void>): void {
  const token = headerToken(m.header);
  const vid = m.vid;
  const send = (status: number) =>
    setTimeout(() => {
      if (!ctx.open) return;
      if (!ctx.delayed(ResetMsg.RESET, token, status, 4, (w) => w.u32(vid))) {
        ctx.log.once(
          "warn",
          `reset:dropped:${ctx.agent.name}`,
          `Agent "${ctx.agent.name}": RESET_COMPLETE for domain ${vid} could not be queued`,
        );
      }
    }, 0);
  if (out instanceof Promise) {
    out.then(() => send(Status.SUCCESS), (e) => send(ctx.fault("RESET", e)));
  } else send(Status.SUCCESS);
}

/** Adds or drops the session's RESET_ISSUED subscription to `phys`, keeping the count. */
function subscribe(ctx: ResetCtx, phys: number, on: boolean): void {
  const subs = ctx.state.subscribed;
  if (subs.has(phys) === on) return;
  if (on) subs.add(phys);
  else subs.delete(phys);
  ctx.shared.subscriptions += on ? 1 : -1;
}

/** The Reset domain management protocol plugin. */
export const resetProtocol = defineProtocol<ResetSession, ResetShared>({
  api: 1,
  id: 0x16,
  name: "reset",
  call: resetCall,
  dt: {
    label: "scmi_reset",
    cells: "#reset-cells",
    consumers: { reset: "resets = <&scmi_reset ID>" },
  },
  versions: [ResetVersion.V1, ResetVersion.V2, ResetVersion.V3, ResetVersion.V3_1],
  kinds: [resetKind],
  setup(env) {
    const descs: (ResetDesc | undefined)[] = [];
    for (const d of resetKind.of(env.board)) descs[d.id] = d;
    const votes = env.votes.onOff(RESET_STORE, {
      kind: "reset",
      apply: (phys) => arbiter.sync(phys),
    });
    const arbiter = new ResetArbiter(resetKind.hwOf(env.hw), votes);
    return { arbiter, descs, subscriptions: 0, receivers: env.receivers };
  },
  open: () => ({ subscribed: new Set<number>() }),
  close(ctx) {
    ctx.shared.subscriptions -= ctx.state.subscribed.size;
    ctx.state.subscribed.clear();
  },
  onRevoke(ctx, kind, phys) {
    if (kind !== "reset") return;
    subscribe(ctx, phys, false);
    ctx.withdraw(RESET_STORE, phys);
  },
  commands: {
    /** §4.8.2.2. a2p: —. p2a: u32 attributes (bits 15:0 domains visible, rest reserved). */
    [ResetMsg.PROTOCOL_ATTRIBUTES]: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run(ctx, m) {
        m.w.u32(Math.min(ctx.ids("reset").count, 0xffff));
      },
    },
    /**
     * §4.8.2.4. a2p: u32 domain_id. p2a: u32 attributes (31 async reset, 30 notifications,
     * 29 extended name from 3.0), u32 latency (µs, 0x7fffffff unknown), char name[16].
     */
    [ResetMsg.RESET_DOMAIN_ATTRIBUTES]: {
      name: "RESET_DOMAIN_ATTRIBUTES",
      params: 4,
      resource: "reset",
      a2p: "domain_id",
      run(ctx, m) {
        const d = desc(ctx, m.res);
        const name = nameOf(ctx, m);
        let attrs = 0;
        if (ctx.canNotify) attrs |= ResetAttr.NOTIFY | (d.async ? ResetAttr.ASYNC : 0);
        if (ctx.version >= ResetVersion.V3 && name.length > 15) attrs |= ResetAttr.EXTENDED_NAME;
        m.w.u32(attrs);
        m.w.u32(d.latencyUs >= 0 && d.latencyUs < LATENCY_UNKNOWN ? d.latencyUs : LATENCY_UNKNOWN);
        m.w.name(name, 16);
      },
    },
    /**
     * §4.8.2.5. a2p: u32 domain_id, u32 flags (bit 0 autonomous, bit 1 explicit assert,
     * bit 2 async; 31:3 reserved), u32 reset_state (bit 31 IMPLEMENTATION DEFINED, 30:0
     * type; architectural 0 = cold reset). p2a: —; async: RESET_COMPLETE later.
     * INVALID_PARAMETERS: reserved flag bits, autonomous with explicit assert, async
     * without autonomous, a reserved architectural state. NOT_SUPPORTED: an
     * IMPLEMENTATION DEFINED state the domain lacks, async on a domain (or session)
     * without it.
     */
    [ResetMsg.RESET]: {
      name: "RESET",
      params: 12,
      resource: "reset",
      needs: Right.WRITE,
      a2p: "domain_id flags reset_state",
      run(ctx, m) {
        m.r.u32();
        const flags = m.r.u32();
        const state = m.r.u32();
        const bad = checkReset(ctx, desc(ctx, m.res), flags, state);
        if (bad !== Status.SUCCESS) return bad;
        const action = (flags & ResetFlag.AUTONOMOUS) !== 0
          ? ResetAction.PULSE
          : (flags & ResetFlag.EXPLICIT_ASSERT) !== 0
          ? ResetAction.ASSERT
          : ResetAction.DEASSERT;
        const out = ctx.shared.arbiter.run(m.res, action, ctx.agent.id, state);
        if (action !== ResetAction.DEASSERT) issued(ctx, m.res, state);
        if ((flags & ResetFlag.ASYNC) === 0) return out;
        completeLater(ctx, m, out);
      },
    },
    /**
     * §4.8.2.6. a2p: u32 domain_id, u32 notify_enable (bit 0; 31:1 reserved →
     * INVALID_PARAMETERS). p2a: —. Only for sessions that can receive notifications.
     */
    [ResetMsg.RESET_NOTIFY]: {
      name: "RESET_NOTIFY",
      params: 8,
      resource: "reset",
      a2p: "domain_id notify_enable",
      available: (ctx) => ctx.canNotify,
      run(ctx, m) {
        m.r.u32();
        const enable = m.r.u32();
        if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
        subscribe(ctx, m.res, enable === 1);
      },
    },
    /** §4.8.2.7 (3.0 and later). a2p: u32 domain_id. p2a: u32 flags (0), char name[64]. */
    [ResetMsg.RESET_DOMAIN_NAME_GET]: {
      name: "RESET_DOMAIN_NAME_GET",
      params: 4,
      resource: "reset",
      since: ResetVersion.V3,
      a2p: "domain_id",
      run(ctx, m) {
        m.w.u32(0);
        m.w.name(nameOf(ctx, m), 64);
      },
    },
  },
  events: {
    [ResetEvent.RESET_ISSUED]: { name: "RESET_ISSUED", p2a: "agent_id domain_id reset_state" },
    [ResetMsg.RESET]: { name: "RESET_COMPLETE", p2a: "domain_id" },
  },
});
