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

interface Entry {
  /** agent id → requested value, in request order (Map keeps insertion order). */
  readonly requests: Map<number, number>;
  /** The same requests indexed by agent id: what `own` reads, an array read per command. */
  readonly byAgent: (number | undefined)[];
  effective: number | undefined;
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

  /** `policyOf(phys)` gives each resource's policy; it is read on every change. */
  constructor(readonly policyOf: (phys: number) => ValuePolicy) {}

  /** Records `agent`'s request for `phys`. */
  request(agent: number, phys: number, value: number): ValueOutcome {
    let e = this.#byPhys[phys];
    if (!e) {
      this.#entries.set(phys, e = { requests: new Map(), byAgent: [], effective: undefined });
      this.#byPhys[phys] = e;
    }
    const policy = this.policyOf(phys);
    if (policy === "exclusive" && e.requests.size > 0 && !e.requests.has(agent)) {
      return { accepted: false, effective: e.effective, changed: false };
    }
    // Re-inserting moves the agent to the end: "last" reads the newest entry.
    e.requests.delete(agent);
    e.requests.set(agent, value);
    e.byAgent[agent] = value;
    return this.#settle(e, policy);
  }

  /** Withdraws `agent`'s request on `phys`. */
  release(agent: number, phys: number): ValueOutcome {
    const e = this.#byPhys[phys];
    if (!e || !e.requests.delete(agent)) {
      return { accepted: true, effective: e?.effective, changed: false };
    }
    e.byAgent[agent] = undefined;
    const out = this.#settle(e, this.policyOf(phys));
    if (e.requests.size === 0) {
      this.#entries.delete(phys);
      this.#byPhys[phys] = undefined;
    }
    return out;
  }

  /** Withdraws every request of `agent`; returns the resources whose effective value changed. */
  releaseAll(agent: number): number[] {
    const changed: number[] = [];
    for (const [phys, e] of [...this.#entries]) {
      if (e.requests.has(agent) && this.release(agent, phys).changed) changed.push(phys);
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
    if (!e || this.policyOf(phys) !== "exclusive") return undefined;
    for (const agent of e.requests.keys()) return agent;
    return undefined;
  }

  /** Every request on `phys`, oldest first. */
  requests(phys: number): ReadonlyMap<number, number> {
    return this.#byPhys[phys]?.requests ?? new Map();
  }

  /** Resources `agent` has a request on. */
  heldBy(agent: number): number[] {
    const out: number[] = [];
    for (const [phys, e] of this.#entries) if (e.requests.has(agent)) out.push(phys);
    return out;
  }

  #settle(e: Entry, policy: ValuePolicy): ValueOutcome {
    const before = e.effective;
    let v: number | undefined;
    for (const value of e.requests.values()) {
      switch (policy) {
        case "max":
          v = v === undefined || value > v ? value : v;
          break;
        case "min":
          v = v === undefined || value < v ? value : v;
          break;
        case "exclusive":
          if (v === undefined) v = value;
          break;
        case "last":
          v = value;
          break;
      }
    }
    e.effective = v;
    return { accepted: true, effective: v, changed: v !== before };
  }
}
