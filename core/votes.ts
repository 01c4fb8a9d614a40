/**
 * On/off votes on shared resources (clock and power-domain enables, reset assertion):
 * the resource is on while any agent votes for it, the platform keeps it on, or the platform
 * holds it for another resource that needs it (a clock's running child), so hardware changes
 * only when the effective state flips. Each agent sees its own vote; holds are the
 * platform's, invisible to agents.
 * @module
 */

const NONE: ReadonlySet<number> = new Set();

/**
 * The "on" votes of every agent on the resources of one store (enables, power states),
 * reference-counted: a resource is on while any agent votes for it or the platform keeps it.
 */
export class OnVotes {
  /**
   * Physical id → agent ids voting "on", in the order resources first got a vote (what
   * `release` and `heldBy` walk). Lookups read `#sets`.
   */
  readonly #voters = new Map<number, Set<number>>();
  /** The same sets indexed by physical id: what every per-message lookup reads. */
  readonly #sets: (Set<number> | undefined)[] = [];
  /**
   * Agent id → physical id → whether it votes "on": the answer to `has`, two array reads
   * whatever the agent's id and however many agents vote.
   */
  readonly #mine: (boolean[] | undefined)[] = [];
  /** Physical id → kept on by the platform whatever agents vote (host-kept, boot-on). */
  readonly #kept: (boolean | undefined)[] = [];
  /**
   * Physical id → the holders (ids the owning plugin chooses, e.g. the child clocks) for
   * which the platform holds it on; undefined when none.
   */
  readonly #holds: (Set<number> | undefined)[] = [];

  /** Marks `phys` as kept on (or no longer kept) by the platform. */
  keep(phys: number, kept = true): void {
    this.#kept[phys] = kept;
  }

  /** Whether the platform keeps `phys` on whatever agents vote. */
  isKept(phys: number): boolean {
    return this.#kept[phys] === true;
  }

  /**
   * Whether the resource should be on: some agent votes for it, the platform keeps it, or
   * the platform holds it for something.
   */
  effective(phys: number): boolean {
    // A set is dropped when its last member goes: one that exists is never empty.
    return this.#kept[phys] === true || this.#sets[phys] !== undefined ||
      this.#holds[phys] !== undefined;
  }

  /**
   * Adds (`on`) or drops the platform's hold on `phys` for `holder`; a holder counts once.
   * Returns true when the effective state changed. Agents never see holds.
   */
  hold(phys: number, holder: number, on: boolean): boolean {
    const before = this.effective(phys);
    let set = this.#holds[phys];
    if (on) {
      if (set === undefined) this.#holds[phys] = set = new Set();
      set.add(holder);
    } else if (set !== undefined) {
      set.delete(holder);
      if (set.size === 0) this.#holds[phys] = undefined;
    }
    return this.effective(phys) !== before;
  }

  /** Whether the platform holds `phys` for `holder`. */
  heldFor(phys: number, holder: number): boolean {
    return this.#holds[phys]?.has(holder) === true;
  }

  /** The holders the platform holds `phys` for. */
  holders(phys: number): ReadonlySet<number> {
    return this.#holds[phys] ?? NONE;
  }

  /** Whether `agent` votes "on" for `phys`. */
  has(agent: number, phys: number): boolean {
    return this.#mine[agent]?.[phys] === true;
  }

  /** Agents voting "on" for `phys`. */
  voters(phys: number): ReadonlySet<number> {
    return this.#sets[phys] ?? new Set();
  }

  /** Records `agent`'s vote; returns true when the effective state changed. */
  vote(agent: number, phys: number, on: boolean): boolean {
    const before = this.effective(phys);
    this.#change(agent, phys, on);
    return this.effective(phys) !== before;
  }

  #change(agent: number, phys: number, on: boolean): void {
    let set = this.#sets[phys];
    if (on) {
      if (set === undefined) {
        set = new Set();
        this.#voters.set(phys, set);
        this.#sets[phys] = set;
      }
      set.add(agent);
      (this.#mine[agent] ??= [])[phys] = true;
    } else if (set !== undefined) {
      set.delete(agent);
      const mine = this.#mine[agent];
      if (mine !== undefined) mine[phys] = false;
      if (set.size === 0) {
        this.#voters.delete(phys);
        this.#sets[phys] = undefined;
      }
    }
  }

  /** Withdraws every vote of `agent`; returns the resources whose effective state changed. */
  release(agent: number): number[] {
    const changed: number[] = [];
    for (const [phys, set] of [...this.#voters]) {
      if (!set.has(agent)) continue;
      if (this.vote(agent, phys, false)) changed.push(phys);
    }
    return changed;
  }

  /** Resources `agent` votes for. */
  heldBy(agent: number): number[] {
    const out: number[] = [];
    for (const [phys, set] of this.#voters) if (set.has(agent)) out.push(phys);
    return out;
  }
}
