/**
 * Reading the votes agents hold, for `vscmi ctl agents` and `vscmi ctl resource`: which
 * agent votes for what, what the votes resolve to, who owns an exclusive resource. Read-only
 * and off the per-message path.
 *
 * The source is the platform's vote book (`platform.votes`, `core/policy/vote_book.ts`),
 * where every plugin keeps its stores. A store's resources are of the kind it declares, or
 * else of the first kind its protocol carries (the protocol is the store name's first part,
 * `clock` in `clock.rate`).
 * @module
 */
import type { ResourceKind } from "../../core/board.ts";
import type { Platform } from "../../core/platform.ts";

/** One vote an agent holds. */
export interface Hold {
  /** Where the vote is kept, e.g. `clock.enable` or `clock.rate`. */
  store: string;
  kind: ResourceKind;
  /** Physical id. */
  id: number;
  /** `true` for an on vote (enable, assert), else the value requested. */
  value: boolean | number;
}

/** The arbitration state of one resource in one store. */
export interface StoreState {
  store: string;
  /** `refcount` for on/off votes, else the value policy (`exclusive`, `max`, `min`, `last`). */
  policy: string;
  /** The platform keeps it on whatever agents vote. */
  kept?: boolean;
  /** Physical ids of the same kind the platform holds it on for (a clock's running children). */
  heldFor?: number[];
  /** What the votes resolve to; absent when nobody votes. */
  effective?: boolean | number;
  /** Agent id owning an exclusive resource. */
  owner?: number;
  /** Each voting agent's own vote, oldest first. */
  votes: { agent: number; value: boolean | number }[];
}

/** Where votes are read from. */
export interface VoteReader {
  /** Every vote `agentId` holds, by store then physical id. */
  heldBy(agentId: number): Hold[];
  /** The state of `kind` resource `phys` in every store that has it. */
  describe(kind: ResourceKind, phys: number): StoreState[];
}

/** The protocol a store name belongs to: the part before the first dot (`clock.rate`). */
function protocolOf(store: string): string {
  const dot = store.indexOf(".");
  return dot < 0 ? store : store.slice(0, dot);
}

/** The vote reader for `platform`. */
export function voteReader(platform: Platform): VoteReader {
  const book = platform.votes;
  const kinds = new Map<string, ResourceKind | undefined>();
  /** The kind a store's physical ids name: declared by the store, else its protocol's. */
  const kindOf = (store: string): ResourceKind | undefined => {
    if (kinds.has(store)) return kinds.get(store);
    const proto = protocolOf(store);
    const kind = book.describe(store, 0)?.kind ??
      platform.protocols.find((rt) => rt?.def.name === proto)?.def.kinds?.[0]?.name;
    kinds.set(store, kind);
    return kind;
  };
  return {
    heldBy(agentId) {
      const out: Hold[] = [];
      for (const h of book.heldBy(agentId)) {
        const kind = kindOf(h.store);
        if (kind === undefined) continue;
        const onOff = book.describe(h.store, h.phys)?.type === "on-off";
        out.push({ store: h.store, kind, id: h.phys, value: onOff ? true : h.value });
      }
      return out;
    },
    describe(kind, phys) {
      const out: StoreState[] = [];
      for (const store of book.stores()) {
        if (kindOf(store) !== kind) continue;
        const d = book.describe(store, phys);
        if (d === undefined) continue;
        const onOff = d.type === "on-off";
        const s: StoreState = {
          store,
          policy: onOff ? "refcount" : d.policy ?? "last",
          votes: d.voters.map((v) => ({ agent: v.agent, value: onOff ? true : v.value })),
        };
        if (d.kept !== undefined) s.kept = d.kept;
        if (d.heldFor !== undefined) s.heldFor = d.heldFor;
        if (d.effective !== undefined) s.effective = d.effective;
        if (d.owner !== undefined) s.owner = d.owner;
        out.push(s);
      }
      return out;
    },
  };
}
