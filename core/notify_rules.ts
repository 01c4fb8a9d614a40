/**
 * What a notification may say about other agents. A guest never learns which other guest
 * acts on a resource they share, nor what another guest asked for:
 * - the `agent_id` of a change notification is the receiver's own id when its agent made the
 *   change, and 0 (the platform) for everyone else ({@linkcode causerFor});
 * - a notification that carries a request (a vote: the rate, level or state an agent asked
 *   for) goes only to the requesting agent's own sessions ({@linkcode hearsRequest}).
 *
 * Every plugin that reports an acting agent goes through these two functions.
 * @module
 */
import type { AgentIdentity } from "./session.ts";

/** The `agent_id` notifications give for the platform itself. */
export const PLATFORM_AGENT_ID = 0;

/** A receiving session, as far as these rules look at it. */
export interface NotifyReceiver {
  /** The agent the session belongs to. */
  readonly agent: AgentIdentity;
}

/**
 * The `agent_id` a receiver is told caused a change: `causer` when that is the receiver's own
 * agent, otherwise 0 (the platform).
 *
 * @example
 * ```ts
 * const vm1 = { agent: { id: 1 } } as unknown as NotifyReceiver;
 * causerFor(vm1, 1); // 1: vm1 made the change itself
 * causerFor(vm1, 2); // 0: another agent did, and vm1 must not learn which
 * ```
 */
export function causerFor(receiver: NotifyReceiver, causer: number): number {
  return receiver.agent.id === causer ? causer : PLATFORM_AGENT_ID;
}

/**
 * Whether a receiver may hear a notification that carries agent `requester`'s request (its
 * vote): only the requester's own sessions may.
 */
export function hearsRequest(receiver: NotifyReceiver, requester: number): boolean {
  return receiver.agent.id === requester;
}
