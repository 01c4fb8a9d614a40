/**
 * On/off votes on shared resources (clock and power-domain enables, reset assertion):
 * the resource is on while any agent votes for it or the platform keeps it on, so hardware
 * changes only when the effective state flips. Each agent sees its own vote.
 * @module
 */

export class OnVotes {
  /** Physical id → agent ids voting "on". */
  readonly #voters = new Map<number, Set<number>>();
  /** Physical ids the platform keeps on whatever agents vote (host-kept, boot-on). */
  readonly #kept = new Set<number>();

  /** Marks `phys` as kept on (or no longer kept) by the platform. */
  keep(phys: number, kept = true): void {
    if (kept) this.#kept.add(phys);
    else this.#kept.delete(phys);
  }

  isKept(phys: number): boolean {
    return this.#kept.has(phys);
  }

  /** Whether the resource should be on: some agent votes for it or the platform keeps it. */
  effective(phys: number): boolean {
    return this.#kept.has(phys) || (this.#voters.get(phys)?.size ?? 0) > 0;
  }

  /** Whether `agent` votes "on" for `phys`. */
  has(agent: number, phys: number): boolean {
    return this.#voters.get(phys)?.has(agent) ?? false;
  }

  /** Agents voting "on" for `phys`. */
  voters(phys: number): ReadonlySet<number> {
    return this.#voters.get(phys) ?? new Set();
  }

  /** Records `agent`'s vote; returns true when the effective state changed. */
  vote(agent: number, phys: number, on: boolean): boolean {
    const before = this.effective(phys);
    let set = this.#voters.get(phys);
    if (on) {
      if (!set) this.#voters.set(phys, set = new Set());
      set.add(agent);
    } else if (set) {
      set.delete(agent);
      if (set.size === 0) this.#voters.delete(phys);
    }
    return this.effective(phys) !== before;
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
