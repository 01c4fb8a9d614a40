/**
 * Value votes on shared resources (rates, levels, caps — whatever value a kind's commands set): each
 * agent requests a value, and the resource's arbitration policy turns the requests into the
 * one value the hardware gets.
 *
 * - `exclusive`: the first agent to request owns the resource until it releases; others
 *   are refused (DENIED). The owner's request is the value.
 * - `max` / `min`: the highest / lowest request wins.
 * - `last`: the most recent request wins; when its agent releases, the most recent of the
 *   remaining requests applies.
 * @module
 */

/**
 * How value requests of several agents on one resource combine: `exclusive` (the first agent
 * to request owns it), `max`, `min`, or `last` (the latest request wins).
 */
export const VALUE_POLICIES = ["exclusive", "max", "min", "last"] as const;
/** One of {@linkcode VALUE_POLICIES}. */
export type ValuePolicy = typeof VALUE_POLICIES[number];

/** What a request did. */
export interface ValueOutcome {
  /** False when an exclusive resource is owned by another agent. */
  accepted: boolean;
  /** The value the resource should now have (undefined when nobody requests anything). */
  effective: number | undefined;
  /** Whether the effective value differs from before. */
  changed: boolean;
}

/**
 * One resource's requests. Every change costs the same however many agents hold requests
 * (O(log n) at most, for `max`/`min`): the agents in request order are a doubly-linked list
 * threaded through arrays (`last` reads its tail, `exclusive` its head), and `max`/`min` keep
 * an indexed binary heap of agents ordered by their requests.
 */
interface Entry {
  /** The requests indexed by agent id: what `own` reads, an array read per command. */
  readonly byAgent: (number | undefined)[];
  /** How many agents hold a request. */
  count: number;
  /** Agent → the agent that requested just before it; -1 for the oldest. */
  readonly prev: number[];
  /** Agent → the agent that requested just after it; -1 for the newest. */
  readonly next: number[];
  /** The oldest requester; -1 when none. */
  head: number;
  /** The newest requester; -1 when none. */
  tail: number;
  /** The policy `heap` is ordered for (rebuilt when the resource's policy changes). */
  policy: ValuePolicy;
  /** Agent → the stamp its request got when it was last put at the tail. */
  readonly stamp: number[];
  /** The stamp the next request put at the tail gets. */
  nextStamp: number;
  /**
   * A stamp from which on every request holds the same value as the tail's (a trailing run
   * of equal requests), Infinity when none is known. Kept conservative: the true run may
   * start earlier. Moving an agent of the run to the tail changes no value in the list's
   * order, so a repeat from it needs no relink (see {@linkcode ValueVotes.unchanged}).
   */
  runFrom: number;
  /** `max`/`min`: agents, the winning request's agent at index 0. */
  readonly heap: number[];
  /** Agent → its index in `heap`, or undefined. */
  readonly at: (number | undefined)[];
  effective: number | undefined;
}

function newEntry(policy: ValuePolicy): Entry {
  return {
    byAgent: [],
    count: 0,
    prev: [],
    next: [],
    head: -1,
    tail: -1,
    stamp: [],
    nextStamp: 0,
    runFrom: Infinity,
    policy,
    heap: [],
    at: [],
    effective: undefined,
  };
}

/**
 * The value requests of every agent on the resources of one store, and the effective value each
 * resource gets under its arbitration policy.
 */
export class ValueVotes {
  /** Physical id → entry, in the order resources first got a request (what walks read). */
  readonly #entries = new Map<number, Entry>();
  /** The same entries indexed by physical id: what every per-message lookup reads. */
  readonly #byPhys: (Entry | undefined)[] = [];
  /** What `request` and `release` answer, one object reused so a vote allocates nothing. */
  readonly #out: ValueOutcome = { accepted: true, effective: undefined, changed: false };

  /** `policyOf(phys)` gives each resource's policy; it is read on every change. */
  constructor(readonly policyOf: (phys: number) => ValuePolicy) {}

  /**
   * Whether `agent` asking `phys` for `value` again would change nothing: it already asks
   * that and, under `last`, moving it to the newest place would leave the requests' values in
   * the same order (it is the newest, or only equal requests came after it). Under the other
   * policies the order of requests decides nothing, so a repeat keeps its place; should the
   * resource later switch to `last`, "most recent" means most recently changed. One or two
   * array reads: the per-message check before arbitration.
   */
  unchanged(agent: number, phys: number, value: number, policy: ValuePolicy): boolean {
    const e = this.#byPhys[phys];
    if (e === undefined || e.byAgent[agent] !== value) return false;
    return policy !== "last" || e.stamp[agent] >= e.runFrom || e.tail === agent;
  }

  /**
   * Records `agent`'s request for `phys`. The outcome object is reused by the next `request`
   * or `release` of this store: read it before calling again.
   */
  request(agent: number, phys: number, value: number): ValueOutcome {
    const policy = this.policyOf(phys);
    if (this.unchanged(agent, phys, value, policy)) {
      const e = this.#byPhys[phys]!;
      if (e.policy === policy) return this.#answer(true, e.effective, false);
    }
    let e = this.#byPhys[phys];
    if (!e) {
      this.#entries.set(phys, e = newEntry(policy));
      this.#byPhys[phys] = e;
    } else if (e.policy !== policy) {
      reorder(e, policy);
    }
    const had = e.byAgent[agent] !== undefined;
    if (policy === "exclusive" && e.count > 0 && !had) {
      return this.#answer(false, e.effective, false);
    }
    e.byAgent[agent] = value;
    // The newest request goes to the tail: "last" reads it there.
    if (had) unlink(e, agent);
    else e.count++;
    append(e, agent);
    if (policy === "max" || policy === "min") {
      const at = e.at[agent];
      if (at === undefined) heapPush(e, agent);
      else heapFix(e, at);
    }
    const before = e.effective;
    return this.#answer(true, settle(e), e.effective !== before);
  }

  #answer(accepted: boolean, effective: number | undefined, changed: boolean): ValueOutcome {
    const out = this.#out;
    out.accepted = accepted;
    out.effective = effective;
    out.changed = changed;
    return out;
  }

  /** Withdraws `agent`'s request on `phys` (the outcome is reused as `request`'s is). */
  release(agent: number, phys: number): ValueOutcome {
    const e = this.#byPhys[phys];
    if (!e || e.byAgent[agent] === undefined) return this.#answer(true, e?.effective, false);
    const policy = this.policyOf(phys);
    if (e.policy !== policy) reorder(e, policy);
    e.byAgent[agent] = undefined;
    e.count--;
    unlink(e, agent);
    const at = e.at[agent];
    if (at !== undefined) heapRemove(e, at);
    const before = e.effective;
    const out = this.#answer(true, settle(e), e.effective !== before);
    if (e.count === 0) {
      this.#entries.delete(phys);
      this.#byPhys[phys] = undefined;
    }
    return out;
  }

  /** Withdraws every request of `agent`; returns the resources whose effective value changed. */
  releaseAll(agent: number): number[] {
    const changed: number[] = [];
    for (const [phys, e] of [...this.#entries]) {
      if (e.byAgent[agent] !== undefined && this.release(agent, phys).changed) changed.push(phys);
    }
    return changed;
  }

  /** The value the policy picks now, or undefined when nobody requests one. */
  effective(phys: number): number | undefined {
    return this.#byPhys[phys]?.effective;
  }

  /** `agent`'s own request, or undefined. */
  own(agent: number, phys: number): number | undefined {
    return this.#byPhys[phys]?.byAgent[agent];
  }

  /** The owner of an exclusive resource (the first requester still holding), or undefined. */
  owner(phys: number): number | undefined {
    const e = this.#byPhys[phys];
    if (!e || this.policyOf(phys) !== "exclusive" || e.head < 0) return undefined;
    return e.head;
  }

  /** The agent whose request on `phys` is the newest, or undefined. */
  newest(phys: number): number | undefined {
    const e = this.#byPhys[phys];
    return e === undefined || e.tail < 0 ? undefined : e.tail;
  }

  /** Every request on `phys`, oldest first. */
  requests(phys: number): ReadonlyMap<number, number> {
    const out = new Map<number, number>();
    const e = this.#byPhys[phys];
    if (!e) return out;
    for (let a = e.head; a >= 0; a = e.next[a]) out.set(a, e.byAgent[a]!);
    return out;
  }

  /** Resources `agent` has a request on. */
  heldBy(agent: number): number[] {
    const out: number[] = [];
    for (const [phys, e] of this.#entries) if (e.byAgent[agent] !== undefined) out.push(phys);
    return out;
  }
}

/** Reads the winner of `e` under its policy into `e.effective` and returns it. */
function settle(e: Entry): number | undefined {
  let v: number | undefined;
  if (e.count > 0) {
    switch (e.policy) {
      case "max":
      case "min":
        v = e.byAgent[e.heap[0]];
        break;
      case "exclusive":
        v = e.byAgent[e.head];
        break;
      case "last":
        v = e.byAgent[e.tail];
        break;
    }
  }
  e.effective = v;
  return v;
}

/** Puts `agent` (its request already in `byAgent`) at the tail. */
function append(e: Entry, agent: number): void {
  const t = e.tail;
  const stamp = e.nextStamp++;
  // The trailing run of equal requests goes on through `agent`, or starts at it.
  if (t < 0 || e.byAgent[t] !== e.byAgent[agent] || e.runFrom === Infinity) e.runFrom = stamp;
  e.stamp[agent] = stamp;
  e.prev[agent] = t;
  e.next[agent] = -1;
  if (t >= 0) e.next[t] = agent;
  else e.head = agent;
  e.tail = agent;
}

function unlink(e: Entry, agent: number): void {
  const p = e.prev[agent], n = e.next[agent];
  if (p >= 0) e.next[p] = n;
  else e.head = n;
  if (n >= 0) e.prev[n] = p;
  else e.tail = p;
  // The run's first member leaves: the run starts at the next one (all after it are in it),
  // or is unknown once it is empty.
  if (e.stamp[agent] === e.runFrom) e.runFrom = n >= 0 ? e.stamp[n] : Infinity;
}

/** Whether agent `a`'s request ranks before `b`'s in `e`'s heap. */
function wins(e: Entry, a: number, b: number): boolean {
  const x = e.byAgent[a]!, y = e.byAgent[b]!;
  return e.policy === "max" ? x > y : x < y;
}

function place(e: Entry, i: number, agent: number): void {
  e.heap[i] = agent;
  e.at[agent] = i;
}

function siftUp(e: Entry, i: number): number {
  const agent = e.heap[i];
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!wins(e, agent, e.heap[parent])) break;
    place(e, i, e.heap[parent]);
    i = parent;
  }
  place(e, i, agent);
  return i;
}

function siftDown(e: Entry, i: number): void {
  const agent = e.heap[i], n = e.heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && wins(e, e.heap[r], e.heap[l]) ? r : l;
    if (!wins(e, e.heap[c], agent)) break;
    place(e, i, e.heap[c]);
    i = c;
  }
  place(e, i, agent);
}

function heapPush(e: Entry, agent: number): void {
  e.heap.push(agent);
  siftUp(e, e.heap.length - 1);
}

/** Restores the heap after the request of the agent at `i` changed. */
function heapFix(e: Entry, i: number): void {
  if (siftUp(e, i) === i) siftDown(e, i);
}

function heapRemove(e: Entry, i: number): void {
  const agent = e.heap[i];
  const last = e.heap.pop()!;
  e.at[agent] = undefined;
  if (i < e.heap.length) {
    place(e, i, last);
    heapFix(e, i);
  }
}

/** Rebuilds `e`'s aggregates for a policy it was not ordered for. */
function reorder(e: Entry, policy: ValuePolicy): void {
  for (const a of e.heap) e.at[a] = undefined;
  e.heap.length = 0;
  e.policy = policy;
  if (policy !== "max" && policy !== "min") return;
  for (let a = e.head; a >= 0; a = e.next[a]) heapPush(e, a);
}
