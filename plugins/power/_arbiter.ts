/**
 * Arbitration of shared power domains between agents, and the order in which hardware is
 * switched so parent/child rules always hold.
 *
 * Each agent (a "voter") requests a power-state word per domain; what it asked for is its
 * own view. Requests live in a value store (the platform's vote book gives the protocol
 * one, `power.state`): a request of OFF withdraws the voter's request. The hardware state
 * of a domain is:
 * - ON while any voter asks ON, the platform keeps it (on at power-on, or kept by the
 *   board), or a child's state is anything but OFF (a child needs its parent on);
 * - else the shallowest declared low-power state some voter asks (order of `PowerDesc.states`);
 * - else OFF.
 * Changes are applied root-first for domains turning ON and leaf-first for the rest, one
 * job at a time across the protocol, so a driver with latency never sees two overlapping
 * switches.
 * @module
 */
import { ValueVotes } from "../../mod.ts";
import type { PowerDesc } from "./kind.ts";
import { POWER_STATE_RESERVED, type PowerHw, PowerState } from "./hw.ts";

/** Called after each completed hardware switch. */
export type SwitchHook = (phys: number, state: number) => void;

const noop = () => {};

export class PowerArbiter {
  /** Each voter's requested state word per domain (none: OFF). */
  readonly votes: ValueVotes;
  /** Domains the platform keeps on. */
  readonly #kept = new Set<number>();
  readonly #descs: (PowerDesc | undefined)[] = [];
  readonly #children: number[][] = [];
  readonly #depth: number[] = [];
  readonly #hw: readonly (PowerHw | undefined)[];
  #tail: Promise<void> | null = null;

  /**
   * Checks the domains once (unique ids, known acyclic parents, valid extra states, no
   * domain on at power-on under a parent that is off) and keeps boot-on and board-kept
   * domains on. Requests go to `votes` (a private store by default). Throws TypeError naming
   * the domain.
   */
  constructor(
    domains: readonly PowerDesc[],
    hw: readonly (PowerHw | undefined)[],
    votes: ValueVotes = new ValueVotes(() => "last"),
  ) {
    this.#hw = hw;
    this.votes = votes;
    for (const d of domains) {
      if (!Number.isInteger(d.id) || d.id < 0) {
        throw new TypeError(`Power domain "${d.name}": id must be an integer ≥ 0, got ${d.id}`);
      }
      if (this.#descs[d.id]) throw new TypeError(`Power domain id ${d.id} is declared twice`);
      this.#descs[d.id] = d;
      this.#children[d.id] = [];
      for (const s of d.states ?? []) {
        if (
          !Number.isInteger(s) || s < 0 || s > 0xffffffff || (s & POWER_STATE_RESERVED) !== 0 ||
          s === PowerState.ON || s === PowerState.OFF
        ) {
          throw new TypeError(
            `Power domain "${d.name}": extra state ${s} must be a power-state word other than ON and OFF with bits 31, 29 and 28 clear`,
          );
        }
      }
    }
    for (const d of domains) {
      if (d.parent === undefined) continue;
      const p = this.#descs[d.parent];
      if (!p) throw new TypeError(`Power domain "${d.name}": parent ${d.parent} is not declared`);
      this.#children[d.parent].push(d.id);
      if (d.on && !p.on) {
        throw new TypeError(
          `Power domain "${d.name}" is on at power-on but its parent "${p.name}" is off`,
        );
      }
    }
    for (const d of domains) {
      this.#depthOf(d.id, 0);
      if (d.on || d.kept) this.#kept.add(d.id);
    }
  }

  #depthOf(id: number, guard: number): number {
    const known = this.#depth[id];
    if (known !== undefined) return known;
    const d = this.#descs[id]!;
    if (guard > this.#descs.length) {
      throw new TypeError(`Power domain "${d.name}": its parents form a loop`);
    }
    const depth = d.parent === undefined ? 0 : this.#depthOf(d.parent, guard + 1) + 1;
    this.#depth[id] = depth;
    return depth;
  }

  /** The board description of a domain. */
  desc(phys: number): PowerDesc | undefined {
    return this.#descs[phys];
  }

  /** Whether `state` is a state the domain has ({@linkcode hasState}). */
  accepts(phys: number, state: number): boolean {
    return hasState(this.#descs[phys], state);
  }

  /** The hardware's current state word. */
  state(phys: number): number {
    return this.#hw[phys]!.getState(phys);
  }

  /** Whether the platform keeps `phys` on whatever voters ask. */
  isKept(phys: number): boolean {
    return this.#kept.has(phys);
  }

  /** What `voter` asked for `phys` (OFF when it never asked). */
  view(voter: number, phys: number): number {
    return this.votes.own(voter, phys) ?? PowerState.OFF;
  }

  /** Records `voter`'s request (OFF withdraws it); returns its previous view, for undoing. */
  request(voter: number, phys: number, state: number): number {
    const prev = this.view(voter, phys);
    if (state === PowerState.OFF) this.votes.release(voter, phys);
    else this.votes.request(voter, phys, state);
    return prev;
  }

  /** Withdraws every request of `voter`; returns the domains it had asked anything for. */
  release(voter: number): number[] {
    const touched = this.votes.heldBy(voter);
    this.votes.releaseAll(voter);
    return touched;
  }

  /** The state the hardware should be in, from every request, keep and child. */
  desired(phys: number): number {
    if (this.#kept.has(phys)) return PowerState.ON;
    const requests = this.votes.requests(phys);
    for (const s of requests.values()) if (s === PowerState.ON) return PowerState.ON;
    for (const c of this.#children[phys] ?? []) {
      if (this.desired(c) !== PowerState.OFF) return PowerState.ON;
    }
    if (requests.size === 0) return PowerState.OFF;
    const order = this.#descs[phys]?.states ?? [];
    let best = -1;
    for (const s of requests.values()) {
      const i = order.indexOf(s);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best < 0 ? PowerState.OFF : order[best];
  }

  /**
   * Switches every domain in `touched`, and their ancestors, whose hardware state differs
   * from the desired one: domains turning ON root-first, then the others leaf-first. Calls
   * `hook` after each switch. Stops at the first driver failure (throws or rejects with it).
   */
  reconcile(touched: Iterable<number>, hook: SwitchHook = noop): void | Promise<void> {
    const seen = new Set<number>();
    for (const start of touched) {
      let p: number | undefined = start;
      while (p !== undefined && !seen.has(p) && this.#descs[p]) {
        seen.add(p);
        p = this.#descs[p]!.parent;
      }
    }
    const ups: number[] = [];
    const downs: number[] = [];
    const target: number[] = [];
    for (const p of seen) {
      const want = this.desired(p);
      if (this.state(p) === want) continue;
      target[p] = want;
      (want === PowerState.ON ? ups : downs).push(p);
    }
    if (ups.length + downs.length === 0) return;
    ups.sort((a, b) => this.#depth[a] - this.#depth[b]);
    downs.sort((a, b) => this.#depth[b] - this.#depth[a]);
    return this.#run(ups.concat(downs), target, 0, hook);
  }

  #run(steps: number[], target: number[], from: number, hook: SwitchHook): void | Promise<void> {
    for (let i = from; i < steps.length; i++) {
      const p = steps[i];
      const s = target[p];
      const out = this.#hw[p]!.setState(p, s);
      if (out instanceof Promise) {
        return out.then(() => {
          hook(p, s);
          return this.#run(steps, target, i + 1, hook);
        });
      }
      hook(p, s);
    }
  }

  /**
   * Runs `job` once every job queued before it has settled: at once (synchronously) when
   * none is pending, otherwise after them. A job that returns a promise holds the queue
   * until it settles.
   */
  serial<T>(job: () => T | Promise<T>): T | Promise<T> {
    const out = this.#tail === null ? job() : this.#tail.then(job);
    if (out instanceof Promise) {
      const tail: Promise<void> = out.then(noop, noop).then(() => {
        if (this.#tail === tail) this.#tail = null;
      });
      this.#tail = tail;
    }
    return out;
  }

  /** Whether a job is still under way. */
  get busy(): boolean {
    return this.#tail !== null;
  }
}

/** Whether domain `d` has power state `state`: ON, OFF or one the board declares. */
export function hasState(d: PowerDesc | undefined, state: number): boolean {
  return state === PowerState.ON || state === PowerState.OFF ||
    (d?.states?.includes(state) ?? false);
}
