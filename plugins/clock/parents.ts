/**
 * Clock parents (3.0+): CLOCK_POSSIBLE_PARENTS_GET, CLOCK_PARENT_SET, CLOCK_PARENT_GET.
 * An agent sees only the parents it can see as clocks, by its own virtual ids, in the order
 * the board declares them; a clock none of whose parents it sees has no parent support for
 * it (NOT_SUPPORTED).
 * @module
 */
import { type CommandDef, page, Right, Status } from "../../mod.ts";
import { ClockVersion, ParentsFlag } from "./msg.ts";
import { recheckRate } from "./rates.ts";
import { feeds, switchParent } from "./tree.ts";
import { type ClockSession, type ClockShared, hasParents, visibleParents } from "./state.ts";

type Cmd = CommandDef<ClockSession, ClockShared>;

/** Bytes of `num_parent_flags` and of one parent id. */
const FLAGS_SIZE = 4;
const ID_SIZE = 4;

/**
 * CLOCK_POSSIBLE_PARENTS_GET (§4.6.2.14). a2p: u32 clock_id, u32 skip_parents.
 * p2a: u32 num_parent_flags (returned 7:0, remaining 31:24), then u32 parent clock ids —
 * as many as the agent's message size holds (at least one). `skip_parents` at or past the
 * number of parents → OUT_OF_RANGE.
 */
export const clockPossibleParentsGet: Cmd = {
  name: "CLOCK_POSSIBLE_PARENTS_GET",
  params: 8,
  resource: "clock",
  since: ClockVersion.V3,
  a2p: "clock_id skip_parents",
  run(ctx, m) {
    const phys = m.res;
    m.r.u32();
    const skip = m.r.u32();
    if (!hasParents(ctx, phys)) return Status.NOT_SUPPORTED;
    const total = visibleParents(ctx, phys);
    const left = total - skip;
    if (left <= 0) return Status.OUT_OF_RANGE;
    const w = m.w;
    const n = page(total, skip, ID_SIZE, w, FLAGS_SIZE, ParentsFlag.RETURNED_MAX);
    w.u32(n | ((left - n) << ParentsFlag.REMAINING_SHIFT));
    const ids = ctx.ids("clock");
    let seen = 0;
    let written = 0;
    for (const p of ctx.shared.parents[phys]) {
      const vid = ids.toVirtual(p);
      if (vid < 0 || seen++ < skip) continue;
      w.u32(vid);
      if (++written === n) break;
    }
  },
};

/**
 * CLOCK_PARENT_SET (§4.6.2.15). a2p: u32 clock_id, u32 parent_clock_id (the agent's virtual
 * id of the new parent). p2a: —. A parent id that is not one of the clock's possible parents
 * the agent sees, or one the clock itself feeds → INVALID_PARAMETERS. A running clock moves
 * its hold on the parent chain (`tree.ts`): the new chain starts before the switch, the old
 * one stops after it when nothing else needs it.
 */
export const clockParentSet: Cmd = {
  name: "CLOCK_PARENT_SET",
  params: 8,
  resource: "clock",
  needs: Right.WRITE,
  since: ClockVersion.V3,
  a2p: "clock_id parent_clock_id",
  run(ctx, m) {
    const phys = m.res;
    m.r.u32();
    const parent = ctx.ids("clock").toPhysical(m.r.u32());
    const hw = ctx.shared.hw[phys]!;
    if (!hasParents(ctx, phys) || hw.setParent === undefined) return Status.NOT_SUPPORTED;
    if (parent < 0 || !ctx.shared.parents[phys].includes(parent)) {
      return Status.INVALID_PARAMETERS;
    }
    if (feeds(ctx.shared, phys, parent)) return Status.INVALID_PARAMETERS;
    const out = switchParent(ctx.shared, phys, parent, (c, p) => hw.setParent!(c, p));
    if (out instanceof Promise) return out.then(() => recheckRate(ctx, phys));
    return recheckRate(ctx, phys);
  },
};

/**
 * CLOCK_PARENT_GET (§4.6.2.16). a2p: u32 clock_id. p2a: u32 parent_clock_id (the agent's
 * virtual id). A current parent the agent cannot see does not exist for it → NOT_FOUND.
 */
export const clockParentGet: Cmd = {
  name: "CLOCK_PARENT_GET",
  params: 4,
  resource: "clock",
  since: ClockVersion.V3,
  a2p: "clock_id",
  run(ctx, m) {
    const phys = m.res;
    if (!hasParents(ctx, phys)) return Status.NOT_SUPPORTED;
    const vid = ctx.ids("clock").toVirtual(ctx.shared.hw[phys]!.getParent!(phys));
    if (vid < 0) return Status.NOT_FOUND;
    m.w.u32(vid);
  },
};
