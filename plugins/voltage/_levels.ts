/**
 * Voltage levels: VOLTAGE_DESCRIBE_LEVELS, VOLTAGE_LEVEL_SET (synchronous, or asynchronous
 * with its delayed response) and VOLTAGE_LEVEL_GET.
 * @module
 */
import {
  CapacityError,
  type CommandDef,
  headerToken,
  type Msg,
  page,
  Right,
  Status,
} from "../../mod.ts";
import {
  declaresLevel,
  domainOf,
  ownedByOther,
  request,
  type VoltageCtx,
  type VoltageSession,
  type VoltageShared,
} from "./_state.ts";
import { LEVEL_SET_ASYNC, LevelsFlag, VoltageMsg, VoltageVersion } from "./msg.ts";

type Cmd = CommandDef<VoltageSession, VoltageShared>;

/** Whether this session may ask for asynchronous level changes on physical domain `phys`. */
export function asyncLevelSet(ctx: VoltageCtx, phys: number): boolean {
  return ctx.version >= VoltageVersion.V2 && ctx.canNotify && domainOf(ctx, phys).desc.async;
}

/**
 * VOLTAGE_DESCRIBE_LEVELS (§4.9). a2p: u32 domain_id, u32 level_index.
 * p2a: u32 flags (11:0 levels returned, 12 format: 0 list / 1 segment, 31:16 remaining),
 * then s32 levels in µV. A list domain returns as many levels from `level_index` as fit the
 * agent's message size (COMMS_ERROR when not one fits); an index past the last level →
 * OUT_OF_RANGE. A segment domain always returns its one triplet {min, max, step} with 3
 * returned and 0 remaining, whatever the index.
 */
export const describeLevels: Cmd = {
  name: "VOLTAGE_DESCRIBE_LEVELS",
  params: 8,
  resource: "voltage",
  a2p: "domain_id level_index",
  run(ctx, m) {
    m.r.u32();
    const index = m.r.u32();
    const l = domainOf(ctx, m.res).desc.levels;
    const w = m.w;
    if (l.kind === "segment") {
      w.u32(3 | LevelsFlag.SEGMENT);
      w.i32(l.min);
      w.i32(l.max);
      w.i32(l.step);
      return;
    }
    const total = l.levels.length;
    if (index >= total) return Status.OUT_OF_RANGE;
    const left = total - index;
    if (w.room < 8) throw new CapacityError(8, w.room);
    const fit = page(total, index, 4, w, 4, LevelsFlag.RETURNED_MAX);
    w.u32((fit | ((left - fit) << LevelsFlag.REMAINING_SHIFT)) >>> 0);
    for (let i = index; i < index + fit; i++) w.i32(l.levels[i]);
  },
};

function noop(): void {}

/**
 * VOLTAGE_LEVEL_SET (§4.9). a2p: u32 domain_id, u32 flags, s32 voltage_level (µV).
 * p2a: —. Flags: 1.0 reserves every bit; from 2.0 bit 0 asks for an asynchronous change and
 * bits 31:1 are reserved. Reserved bits set, or a level the domain does not declare →
 * INVALID_PARAMETERS; asynchronous on a domain (or a session without a platform→agent
 * channel) that has no asynchronous support → NOT_SUPPORTED. A level outside the agent's
 * bounds (checked by the dispatcher first) → OUT_OF_RANGE, or DENIED when not among its
 * allowed levels.
 *
 * The level is the agent's request; the domain runs at the level the requests together call
 * for (see `_state.ts`); a domain another agent owns under the `exclusive` policy → DENIED. Synchronous: answered once the hardware has settled. Asynchronous:
 * SUCCESS at once, then the delayed response VOLTAGE_LEVEL_SET_COMPLETE with the request's
 * token — p2a: i32 status, u32 domain_id (the agent's virtual id), s32 voltage_level (the
 * level it asked for) — always after the reply.
 */
export const levelSet: Cmd = {
  name: "VOLTAGE_LEVEL_SET",
  params: 12,
  resource: "voltage",
  needs: Right.WRITE,
  value: { at: 8, i32: true },
  a2p: "domain_id flags voltage_level:i32",
  run(ctx, m) {
    m.r.u32();
    const flags = m.r.u32();
    const uv = m.r.i32();
    const phys = m.res;
    const allowed = ctx.version >= VoltageVersion.V2 ? LEVEL_SET_ASYNC : 0;
    if ((flags & ~allowed) !== 0) return Status.INVALID_PARAMETERS;
    const d = domainOf(ctx, phys);
    if (!declaresLevel(d.desc, uv)) return Status.INVALID_PARAMETERS;
    if (ownedByOther(d, ctx.agent.id)) return Status.DENIED;
    if ((flags & LEVEL_SET_ASYNC) === 0) {
      const out = request(d, ctx.agent.id, uv);
      if (out instanceof Promise) return out.then(noop);
      return;
    }
    if (!asyncLevelSet(ctx, phys)) return Status.NOT_SUPPORTED;
    completeLater(ctx, m, uv);
  },
};

/**
 * Starts an asynchronous change and sends VOLTAGE_LEVEL_SET_COMPLETE once it is done, one
 * timer tick later at the earliest so it always follows the command's own reply.
 */
function completeLater(ctx: VoltageCtx, m: Msg, uv: number): void {
  const token = headerToken(m.header);
  const vid = m.vid;
  const send = (status: number) =>
    setTimeout(() => {
      if (!ctx.open) return;
      const ok = ctx.delayed(VoltageMsg.VOLTAGE_LEVEL_SET, token, status, 8, (w) => {
        w.u32(vid);
        w.i32(uv);
      });
      if (!ok) {
        ctx.log.once(
          "warn",
          `voltage:dropped:${ctx.agent.name}`,
          `Agent "${ctx.agent.name}": VOLTAGE_LEVEL_SET_COMPLETE for domain ${vid} could not be queued`,
        );
      }
    }, 0);
  let out: void | Promise<void>;
  try {
    out = request(domainOf(ctx, m.res), ctx.agent.id, uv);
  } catch (e) {
    send(ctx.fault("VOLTAGE_LEVEL_SET", e));
    return;
  }
  if (out instanceof Promise) {
    out.then(() => send(Status.SUCCESS), (e) => send(ctx.fault("VOLTAGE_LEVEL_SET", e)));
  } else send(Status.SUCCESS);
}

/**
 * VOLTAGE_LEVEL_GET (§4.9). a2p: u32 domain_id. p2a: s32 voltage_level (µV): the level
 * this agent last asked for, or the hardware's level when it has asked for none.
 */
export const levelGet: Cmd = {
  name: "VOLTAGE_LEVEL_GET",
  params: 4,
  resource: "voltage",
  a2p: "domain_id",
  run(ctx, m) {
    const d = domainOf(ctx, m.res);
    const own = d.requests.get(ctx.agent.id);
    if (own !== undefined) return void m.w.i32(own);
    const out = d.hw.getLevel(m.res);
    if (out instanceof Promise) return out.then((uv) => void m.w.i32(uv));
    m.w.i32(out);
  },
};
