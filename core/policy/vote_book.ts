/**
 * The vote book: the one place where agents' votes on shared resources live. Protocol
 * plugins create their stores here by name in `setup` — on/off stores
 * ({@linkcode OnVotes}: enables, assertions, claims) and value stores
 * ({@linkcode ValueVotes}: rates, levels, caps, power states) — and the book
 * records every change of an agent's vote in the journal (`journal.ts`) when the server has
 * one.
 *
 * Votes belong to agents, not sessions: the platform withdraws them through
 * {@linkcode VoteBook.releaseAgent} when an agent's grace period runs out or at an explicit
 * end, and each store's `apply(phys)` then brings the hardware in line with what the
 * remaining votes call for.
 *
 * After a restart the book replays the journal's live votes into each store as the plugin
 * creates it (without journaling them again); {@linkcode VoteBook.reconcile} then applies
 * each restored resource once every plugin is set up, changing only what differs. A restored
 * vote passes the checks a live request would pass today, against the deployment and board
 * as they are now: the agent exists, the central checks (`VoteBookOptions.check`: granted,
 * on the board, writable, within the agent's bounds), the store's own range check
 * (`ValueHooks.admit`, the function the plugin's handler calls) and, for an exclusive
 * resource, no other owner. One that fails is dropped, logged with the agent, the resource
 * and the reason, and withdrawn in the journal.
 * @module
 */
import type { ResourceKind } from "../board.ts";
import type { Logger } from "../log.ts";
import { OnVotes } from "../votes.ts";
import { type ValueOutcome, type ValuePolicy, ValueVotes } from "./values.ts";

/** One live vote as the journal keeps it: what `agent` holds on `phys` in store `store`. */
export interface JournalEntry {
  agent: string;
  store: string;
  phys: number;
  value: number;
}

/** What a store does with the hardware. */
export interface StoreHooks {
  /**
   * Kind of the resources the store's physical ids name. Restored votes on a resource the
   * agent no longer sees are dropped.
   */
  readonly kind?: ResourceKind;
  /**
   * Brings resource `phys` in line with the store's effective state, touching the hardware
   * only where it differs (a clock already on stays on). Called after votes were withdrawn
   * outside any command (grace expiry, explicit end, revoke) and for restored resources;
   * `cause` is the agent whose votes were withdrawn, 0 for restored votes (for the agent
   * id of notifications). Failures are logged by the book.
   */
  apply(phys: number, cause: number): void | Promise<void>;
  /**
   * The state the resource is driven to, for {@linkcode VoteBook.describe}, when the
   * store's own effective value does not say it (a plugin with its own aggregation).
   */
  readonly effective?: (phys: number) => number | boolean | undefined;
}

/** Hooks of a value store. */
export interface ValueHooks extends StoreHooks {
  /** The resource's arbitration policy (from `desc.policy`, or the protocol's default). */
  policyOf(phys: number): ValuePolicy;
  /**
   * Why agent `agent` cannot set `phys` to `value` (a rate the clock cannot produce, a level
   * the domain does not declare, …), or undefined when it can: the same function the
   * plugin's handler uses for a live request. Restored votes it refuses are dropped.
   */
  readonly admit?: (phys: number, value: number, agent: number) => string | undefined;
}

/** One vote an agent holds. */
export interface HeldVote {
  /** Name of the store that holds it (one per protocol resource class, e.g. `clock.enable`). */
  store: string;
  /** Kind of the resource, when the store names one. */
  kind?: ResourceKind;
  /** Physical id of the resource. */
  phys: number;
  /** 1 for an "on" vote. */
  value: number;
}

/** A resource's arbitration state, for `vscmi ctl` and tests. */
export interface VoteDescription {
  /** Name of the store. */
  store: string;
  /** Whether the store counts on/off votes or arbitrates values. */
  type: "on-off" | "value";
  /** Physical id of the resource. */
  phys: number;
  /** Kind of the resource, when the store names one. */
  kind?: ResourceKind;
  /** Arbitration policy (value stores). */
  policy?: ValuePolicy;
  /** The platform keeps it on (on/off stores). */
  kept?: boolean;
  /** Each agent's vote, oldest first: agent id, its name, its value (1 = on). */
  voters: { agent: number; name: string; value: number }[];
  /**
   * Physical ids the platform holds it on for (on/off stores: a clock's running children),
   * when there are any.
   */
  heldFor?: number[];
  /** What the votes call for: on/off, a value, or undefined when nobody asks. */
  effective: number | boolean | undefined;
  /** The owner of an exclusive resource. */
  owner?: number;
}

/** What the book needs of a journal (`journal.ts`'s `Journal`). */
export interface VoteJournal {
  /** Live votes found when it was opened, oldest first. */
  readonly restored: readonly JournalEntry[];
  /** `lazy`: no flush of its own; it goes with the next one. */
  append(agent: string, store: string, phys: number, value: number | null, lazy?: boolean): number;
  durable(): Promise<void> | undefined;
}

export interface VoteBookOptions {
  /** Where changes are recorded; none keeps votes in memory only. */
  journal?: VoteJournal | null;
  log?: Logger;
  /** Name of agent `id` (journal records name agents). */
  agentName(id: number): string | undefined;
  /** Id of the agent called `name`, for restored votes. */
  agentId(name: string): number | undefined;
  /**
   * The central checks a live request on `phys` of `kind` by agent `id` passes before any
   * handler runs (protocol granted, resource on the board and granted, writable, `value`
   * within the agent's bounds; `value` null for an on/off vote): why a restored vote fails
   * them, or undefined. Absent: none.
   */
  check?(id: number, kind: ResourceKind, phys: number, value: number | null): string | undefined;
  /** The board's name of `phys` of `kind`, for log lines. */
  resourceName?(kind: ResourceKind, phys: number): string | undefined;
}

type Store = BookOnVotes | BookValueVotes;

function noop(): void {}

/** Every agent's votes, in named, journaled stores. One per platform. */
export class VoteBook {
  readonly #stores = new Map<string, Store>();
  readonly #journal: VoteJournal | null;
  readonly #log: Logger | undefined;
  readonly #opts: VoteBookOptions;
  /** Restored votes waiting for their store, by store name. */
  readonly #waiting = new Map<string, JournalEntry[]>();
  /** Restored resources to reconcile, per store. */
  readonly #restored = new Map<Store, Set<number>>();
  readonly #restoredAgents = new Set<number>();
  /** Set while replaying: changes are not journaled again. */
  #replaying = false;
  #seq = 0;
  /** Agent id → sequence number of its last recorded change (an array read per command). */
  readonly #agentSeq: (number | undefined)[] = [];

  /**
   * Makes the platform's book, restoring the votes the journal holds.
   * @internal
   */
  constructor(opts: VoteBookOptions) {
    this.#opts = opts;
    this.#journal = opts.journal ?? null;
    this.#log = opts.log;
    for (const e of this.#journal?.restored ?? []) {
      let list = this.#waiting.get(e.store);
      if (!list) this.#waiting.set(e.store, list = []);
      list.push(e);
    }
  }

  /** Whether changes are journaled. */
  get journaled(): boolean {
    return this.#journal !== null;
  }

  /** Changes recorded since start (journaled or not). */
  get seq(): number {
    return this.#seq;
  }

  /** Sequence number of agent `agent`'s last recorded change (0: none). */
  seqOf(agent: number): number {
    return this.#agentSeq[agent] ?? 0;
  }

  /**
   * Undefined when every recorded change is on disk (or there is no journal); otherwise a
   * promise that settles when it is — changes recorded together share one flush.
   */
  durable(): Promise<void> | undefined {
    return this.#journal?.durable();
  }

  /** Creates the on/off store `name`, with its restored votes. Throws on a duplicate name. */
  onOff(name: string, hooks: StoreHooks): OnVotes {
    const st = new BookOnVotes(this, name, hooks);
    this.#add(st);
    return st;
  }

  /** Creates the value store `name`, with its restored votes. Throws on a duplicate name. */
  values(name: string, hooks: ValueHooks): ValueVotes {
    const st = new BookValueVotes(this, name, hooks);
    this.#add(st);
    return st;
  }

  /** Names of the stores, in creation order; with `kind`, those of that resource kind. */
  stores(kind?: ResourceKind): string[] {
    const out: string[] = [];
    for (const st of this.#stores.values()) {
      if (kind === undefined || st.hooks.kind === kind) out.push(st.name);
    }
    return out;
  }

  /**
   * Withdraws every vote of agent `agent` in every store and applies each resource it voted
   * on. Resolves once the hardware has followed (failures are logged, never thrown).
   */
  releaseAgent(agent: number): void | Promise<void> {
    this.#restoredAgents.delete(agent);
    let pending: Promise<void>[] | undefined;
    for (const st of this.#stores.values()) {
      const held = st.heldBy(agent);
      if (held.length === 0) continue;
      if (st instanceof BookOnVotes) st.release(agent);
      else st.releaseAll(agent);
      for (const phys of held) {
        const out = this.#apply(st, phys, agent);
        if (out !== undefined) (pending ??= []).push(out);
      }
    }
    if (pending !== undefined) return Promise.all(pending).then(noop);
  }

  /**
   * Withdraws agent `agent`'s vote on `phys` in store `name` (the agent lost the resource)
   * and applies it. Failures are logged.
   */
  withdraw(name: string, agent: number, phys: number): void | Promise<void> {
    const st = this.#stores.get(name);
    if (st === undefined) return;
    if (st instanceof BookOnVotes) {
      if (!st.has(agent, phys)) return;
      st.vote(agent, phys, false);
    } else {
      if (st.own(agent, phys) === undefined) return;
      st.release(agent, phys);
    }
    return this.#apply(st, phys, agent);
  }

  /** Every vote agent `agent` holds, store by store. */
  heldBy(agent: number): HeldVote[] {
    const out: HeldVote[] = [];
    for (const st of this.#stores.values()) {
      for (const phys of st.heldBy(agent)) {
        const value = st instanceof BookOnVotes ? 1 : st.own(agent, phys)!;
        out.push({ store: st.name, kind: st.hooks.kind, phys, value });
      }
    }
    return out;
  }

  /** The arbitration state of `phys` in store `name`, or undefined for an unknown store. */
  describe(name: string, phys: number): VoteDescription | undefined {
    const st = this.#stores.get(name);
    if (st === undefined) return undefined;
    const nameOf = (id: number) => this.#opts.agentName(id) ?? `#${id}`;
    const custom = st.hooks.effective?.(phys);
    if (st instanceof BookOnVotes) {
      const d: VoteDescription = {
        store: name,
        type: "on-off",
        phys,
        kind: st.hooks.kind,
        kept: st.isKept(phys),
        voters: [...st.voters(phys)].map((agent) => ({ agent, name: nameOf(agent), value: 1 })),
        effective: custom ?? st.effective(phys),
      };
      const held = st.holders(phys);
      if (held.size !== 0) d.heldFor = [...held];
      return d;
    }
    const policy = st.policyOf(phys);
    const d: VoteDescription = {
      store: name,
      type: "value",
      phys,
      kind: st.hooks.kind,
      policy,
      voters: [...st.requests(phys)].map(([agent, value]) => ({
        agent,
        name: nameOf(agent),
        value,
      })),
      effective: custom ?? st.effective(phys),
    };
    const owner = st.owner(phys);
    if (owner !== undefined) d.owner = owner;
    return d;
  }

  /** Agents that have votes restored from the journal and have not been released since. */
  restoredAgents(): number[] {
    return [...this.#restoredAgents];
  }

  /**
   * Once every plugin has created its stores: drops restored votes no store took (journaling
   * their withdrawal), then applies every restored resource. Resolves once the hardware
   * has followed; failures are logged.
   */
  reconcile(): void | Promise<void> {
    for (const [store, list] of this.#waiting) {
      this.#log?.warn(
        `Vote journal: no protocol keeps votes in "${store}" any more; dropping ${list.length} restored vote(s)`,
      );
      for (const e of list) this.#journal?.append(e.agent, e.store, e.phys, null);
    }
    this.#waiting.clear();
    let pending: Promise<void>[] | undefined;
    for (const [st, set] of this.#restored) {
      for (const phys of set) {
        const out = this.#apply(st, phys, 0);
        if (out !== undefined) (pending ??= []).push(out);
      }
    }
    this.#restored.clear();
    if (pending !== undefined) return Promise.all(pending).then(noop);
  }

  /**
   * Called by the stores for every change of an agent's own vote. With `hold` false (a
   * repeated request that only makes it the newest, the effective value unchanged) the
   * record rides with the next flush (lazily: it starts none) and no reply waits for it: its
   * value is already durable, only its recency could be lost in a crash.
   */
  record(store: string, agent: number, phys: number, value: number | null, hold = true): void {
    if (this.#replaying) return;
    if (hold) this.#agentSeq[agent] = ++this.#seq;
    const j = this.#journal;
    if (j === null) return;
    const name = this.#opts.agentName(agent);
    if (name === undefined) {
      this.#log?.once(
        "error",
        `journal:agent:${agent}`,
        `Vote journal: agent id ${agent} has no name; its votes are not journaled`,
      );
      return;
    }
    j.append(name, store, phys, value, !hold);
  }

  #add(st: Store): void {
    if (this.#stores.has(st.name)) {
      throw new TypeError(`Vote store "${st.name}" is created twice`);
    }
    this.#stores.set(st.name, st);
    const list = this.#waiting.get(st.name);
    if (list === undefined) return;
    this.#waiting.delete(st.name);
    const set = new Set<number>();
    this.#replaying = true;
    try {
      for (const e of list) {
        const why = this.#replay(st, e);
        if (why === undefined) {
          set.add(e.phys);
          continue;
        }
        this.#log?.warn(
          `Vote journal: dropping agent "${e.agent}"'s restored vote ${
            st instanceof BookOnVotes ? "" : `of ${e.value} `
          }on ${this.#resource(st, e.phys)}: ${why}`,
        );
        this.#replaying = false;
        this.#journal?.append(e.agent, e.store, e.phys, null);
        this.#replaying = true;
      }
    } finally {
      this.#replaying = false;
    }
    if (set.size !== 0) this.#restored.set(st, set);
  }

  /**
   * Puts one restored vote in its store after the checks a live request passes; returns why
   * it was refused, if it was.
   */
  #replay(st: Store, e: JournalEntry): string | undefined {
    const id = this.#opts.agentId(e.agent);
    if (id === undefined) return "the deployment has no such agent";
    const kind = st.hooks.kind;
    const on = st instanceof BookOnVotes;
    if (on && e.value !== 1) return `${e.value} is not an on vote`;
    if (kind !== undefined) {
      const why = this.#opts.check?.(id, kind, e.phys, on ? null : e.value);
      if (why !== undefined) return why;
    }
    if (st instanceof BookOnVotes) {
      st.vote(id, e.phys, true);
    } else {
      const why = st.hooks.admit?.(e.phys, e.value, id);
      if (why !== undefined) return why;
      if (!st.request(id, e.phys, e.value).accepted) return "another agent owns the resource";
    }
    this.#restoredAgents.add(id);
    return undefined;
  }

  /** `clock.rate 3 ("uart0_clk")`: the store, the physical id and the board's name. */
  #resource(st: Store, phys: number): string {
    const kind = st.hooks.kind;
    const name = kind === undefined ? undefined : this.#opts.resourceName?.(kind, phys);
    return `${st.name} ${phys}${name === undefined ? "" : ` ("${name}")`}`;
  }

  #apply(st: Store, phys: number, agent: number): void | Promise<void> {
    const fail = (e: unknown) =>
      this.#log?.error(
        `${st.name}: applying ${phys} after a change of ${
          agent === 0 ? "restored votes" : `agent "${this.#opts.agentName(agent) ?? agent}"'s votes`
        } failed: ${e instanceof Error ? e.message : e}`,
      );
    try {
      const out = st.hooks.apply(phys, agent);
      if (out instanceof Promise) return out.catch(fail);
    } catch (e) {
      fail(e);
    }
  }
}

/** An on/off store of the book: each change of an agent's vote is recorded. */
class BookOnVotes extends OnVotes {
  readonly #book: VoteBook;
  constructor(book: VoteBook, readonly name: string, readonly hooks: StoreHooks) {
    super();
    this.#book = book;
  }

  override vote(agent: number, phys: number, on: boolean): boolean {
    const had = this.has(agent, phys);
    const changed = super.vote(agent, phys, on);
    if (had !== on) this.#book.record(this.name, agent, phys, on ? 1 : null);
    return changed;
  }
}

/** A value store of the book: each change of an agent's request is recorded. */
class BookValueVotes extends ValueVotes {
  readonly #book: VoteBook;
  /** The answer to a request that changes nothing, reused (read it before the next call). */
  readonly #unchanged: ValueOutcome = { accepted: true, effective: undefined, changed: false };
  constructor(book: VoteBook, readonly name: string, readonly hooks: ValueHooks) {
    super((phys) => hooks.policyOf(phys));
    this.#book = book;
  }

  override request(agent: number, phys: number, value: number): ValueOutcome {
    const before = this.own(agent, phys);
    const repeat = before === value;
    if (repeat && this.unchanged(agent, phys, value, this.policyOf(phys))) {
      // Nothing moves: skip the store's bookkeeping on the per-message path.
      this.#unchanged.effective = this.effective(phys);
      return this.#unchanged;
    }
    const out = super.request(agent, phys, value);
    if (!out.accepted) return out;
    this.#book.record(this.name, agent, phys, value, !repeat || out.changed);
    return out;
  }

  override release(agent: number, phys: number): ValueOutcome {
    const had = this.own(agent, phys) !== undefined;
    const out = super.release(agent, phys);
    if (!had) return out;
    this.#book.record(this.name, agent, phys, null);
    return out;
  }
}
