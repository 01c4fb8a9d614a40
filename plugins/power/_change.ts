/**
 * How a POWER_STATE_SET takes effect: the notifications around it, the vote, the hardware
 * switches (through the arbiter), undoing a failed request, and asynchronous requests that
 * run after their reply.
 * @module
 */
import {
  causerFor,
  type Ctx,
  hearsRequest,
  isDriverError,
  isScmiError,
  type Logger,
  type Outcome,
  type Receiver,
  Status,
  type Writer,
} from "../../mod.ts";
import type { PowerArbiter } from "./_arbiter.ts";
import { PowerEvent, PowerVersion } from "./msg.ts";

/** Per-session state: its subscriptions (physical ids). Votes are the agent's. */
export interface PowerSession {
  readonly changed: Set<number>;
  readonly requested: Set<number>;
}

/** Protocol-wide state. */
export interface PowerShared {
  readonly arbiter: PowerArbiter;
  readonly log: Logger;
  /** Every open power session, for state notifications. */
  readonly receivers: Iterable<Receiver<PowerSession>>;
}

/** Name of the power protocol's store in the vote book. */
export const POWER_STORE = "power.state";

/** A handler context of this protocol. */
export type PCtx = Ctx<PowerSession, PowerShared>;

// The notification being sent, read by its builder (no closure per notification).
let sendAgent = 0;
let sendDomain = 0;
let sendState = 0;

/** p2a of both events: u32 agent_id, u32 domain_id, u32 power_state. */
function buildEvent(w: Writer): void {
  w.u32(sendAgent);
  w.u32(sendDomain);
  w.u32(sendState);
}

/**
 * POWER_STATE_CHANGED (12 bytes) to every session among `contexts` (the protocol's open
 * contexts) subscribed to `phys` that can see it. `cause` is the agent that made the change
 * (0: the platform); per `core/notify_rules.ts` only its own sessions read it, the others 0.
 */
export function announceChanged(
  contexts: Iterable<Receiver<PowerSession>>,
  cause: number,
  phys: number,
  state: number,
): void {
  for (const c of contexts) {
    if (!c.state.changed.has(phys)) continue;
    const v = c.virtualId("power", phys);
    if (v < 0) continue;
    sendAgent = causerFor(c, cause);
    sendDomain = v;
    sendState = state;
    c.notify(PowerEvent.POWER_STATE_CHANGED, 12, buildEvent);
  }
}

/**
 * POWER_STATE_CHANGE_REQUESTED (12 bytes, v2.0+) about the state the calling agent asked
 * for. That state is the agent's vote, which other agents must not see
 * (`core/notify_rules.ts`): only the requester's own subscribed sessions hear it.
 */
function announceRequested(ctx: PCtx, phys: number, state: number): void {
  const agent = ctx.agent.id;
  for (const c of ctx.shared.receivers) {
    if (!hearsRequest(c, agent) || c.version < PowerVersion.V2 || !c.state.requested.has(phys)) {
      continue;
    }
    const v = c.virtualId("power", phys);
    if (v < 0) continue;
    sendAgent = agent;
    sendDomain = v;
    sendState = state;
    c.notify(PowerEvent.POWER_STATE_CHANGE_REQUESTED, 12, buildEvent);
  }
}

/** The status for a failed switch; rethrows what is not an SCMI outcome (a bug). */
function failure(ctx: PCtx, phys: number, e: unknown): Status {
  if (!isScmiError(e)) throw e;
  const d = ctx.shared.arbiter.desc(phys)!;
  ctx.shared.log.once(
    "warn",
    `power:${phys}:${e.status}:${ctx.agent.name}`,
    `power: switching domain "${d.name}" for agent "${ctx.agent.name}" failed: ${e.message}`,
  );
  return isDriverError(e) && e.fault === "in-use" ? Status.DENIED : e.status;
}

/** Whether the session that sent a request with state `st` still is (not closed, not reset). */
function live(ctx: PCtx, st: PowerSession): boolean {
  return ctx.open && ctx.state === st;
}

/**
 * One accepted POWER_STATE_SET from the session whose state was `st` when the request came:
 * tell the agent's own CHANGE_REQUESTED subscribers, record the agent's vote, bring the
 * hardware in line. On a driver failure the vote is undone, the hardware brought back, and
 * the failure's status returned. A request
 * whose session closed or was reset, or whose domain was revoked, while it waited in the
 * queue changes nothing (DENIED).
 */
export function change(ctx: PCtx, st: PowerSession, phys: number, state: number): Outcome {
  if (!live(ctx, st) || ctx.ids("power").toVirtual(phys) < 0) return Status.DENIED;
  const arb = ctx.shared.arbiter;
  const cause = ctx.agent.id;
  const hook = (p: number, s: number) => announceChanged(ctx.shared.receivers, cause, p, s);
  announceRequested(ctx, phys, state);
  const prev = arb.request(cause, phys, state);
  const undo = (e: unknown): Status | Promise<Status> => {
    if (live(ctx, st) && arb.view(cause, phys) === state) arb.request(cause, phys, prev);
    const restored = restore(ctx, [phys], hook);
    const answer = () => failure(ctx, phys, e);
    return restored instanceof Promise ? restored.then(answer) : answer();
  };
  let out;
  try {
    out = arb.reconcile([phys], hook);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) return out.then(() => undefined, undo);
}

/** Best-effort reconcile after an undo or a release; failures are logged, not answered. */
export function restore(
  ctx: PCtx,
  touched: number[],
  hook: (p: number, s: number) => void,
): void | Promise<void> {
  const log = (e: unknown) =>
    ctx.shared.log.error(
      `power: restoring domains for agent "${ctx.agent.name}" failed: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  try {
    const out = ctx.shared.arbiter.reconcile(touched, hook);
    if (out instanceof Promise) return out.catch(log);
  } catch (e) {
    log(e);
  }
}

/**
 * An asynchronous POWER_STATE_SET, started after the reply is sent. When the job leaves the
 * hardware state of `phys` as it found it (nothing to do, or failure), the requester still
 * gets a POWER_STATE_CHANGED with the domain's state if it subscribed.
 */
export function changeLater(ctx: PCtx, st: PowerSession, phys: number, state: number): void {
  const arb = ctx.shared.arbiter;
  queueMicrotask(() => {
    const job = () => {
      const before = arb.state(phys);
      const done = () => {
        const now = arb.state(phys);
        if (now === before && live(ctx, st) && ctx.state.changed.has(phys)) {
          const v = ctx.ids("power").toVirtual(phys);
          if (v >= 0) {
            ctx.notify(PowerEvent.POWER_STATE_CHANGED, 12, (w) => {
              w.u32(ctx.agent.id);
              w.u32(v);
              w.u32(now);
            });
          }
        }
      };
      const bug = (e: unknown) => {
        ctx.shared.log.error(`power: asynchronous POWER_STATE_SET failed: ${e}`);
        done();
      };
      try {
        const out = change(ctx, st, phys, state);
        if (out instanceof Promise) return out.then(done, bug);
        done();
      } catch (e) {
        bug(e);
      }
    };
    arb.serial(job);
  });
}
