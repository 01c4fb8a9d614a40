/**
 * Clocks of the downstream platform, by its ids: rates are read from it and set on it
 * (the requested rounding passed on), enables and parents set on it and remembered, so the
 * clock protocol's synchronous reads answer from what this platform last set or read at
 * start.
 * @module
 */
import { clockKind } from "../../../plugins/clock/kind.ts";
import type { ClockHw, RateRound } from "../../../plugins/clock/hw.ts";
import {
  ClockAttr,
  ClockEvent,
  ClockMsg,
  ClockPerm,
  ClockState,
  ClockVersion,
  RateFlag,
} from "../../../plugins/clock/msg.ts";
import type { Board } from "../../../core/board.ts";
import type { HwResourceAccess } from "../../../core/driver.ts";
import { CommonMsg } from "../../../core/protocol.ts";
import { headerMessageId, headerProtocol, headerType, MsgType } from "../../../core/header.ts";
import type { Link, Send } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The clock protocol's id. */
export const CLOCK = 0x14;

const ROUND: Record<RateRound, number> = {
  down: 0,
  up: RateFlag.ROUND_UP,
  nearest: RateFlag.ROUND_AUTO,
};

/** Forwarded clocks, and what the downstream lets this agent do to each. */
export interface ForwardClocks {
  /** The clock contract. */
  readonly hw: ClockHw;
  /** Whether clock `id` can be read and changed here (CLOCK_GET_PERMISSIONS downstream). */
  access(id: number): HwResourceAccess;
}

/**
 * What CLOCK_GET_PERMISSIONS bits `perms` let an agent do: it can always read; a clock whose
 * state, rate or parent it may not change says so.
 */
export function clockAccess(perms: number): HwResourceAccess {
  const missing = [
    [ClockPerm.STATE, "switch it on or off"],
    [ClockPerm.RATE, "set its rate"],
    [ClockPerm.PARENT, "switch its parent"],
  ].filter(([bit]) => (perms & (bit as number)) === 0).map(([, what]) => what);
  if (missing.length === 0) return { read: true, write: true };
  return {
    read: true,
    write: missing.length < 3,
    why: `the downstream platform does not let this agent ${missing.join(", ")}`,
  };
}

/** The clocks of `board` that driver instance `name` backs, through `link`. */
export async function createForwardClock(
  link: Link,
  replay: Replay,
  board: Board,
  name: string,
): Promise<ForwardClocks> {
  const mine = clockKind.of(board).filter((c) => c.driver === name);
  const enabled = new Map<number, boolean>();
  const parents = new Map<number, number>();
  /** The last rate request sent per clock, and the rate the clock ran at after it. */
  const programmed = new Map<number, { key: string; rate: number }>();
  const notifying: number[] = [];
  const restricted = new Map<number, HwResourceAccess>();
  let version = 0;
  if (mine.length > 0) {
    version = (await link.call(CLOCK, CommonMsg.PROTOCOL_VERSION)).u32();
    for (const c of mine) {
      const attrs = (await link.call(CLOCK, ClockMsg.CLOCK_ATTRIBUTES, [c.id])).u32();
      enabled.set(c.id, (attrs & ClockAttr.ENABLED) !== 0);
      if (attrs & ClockAttr.RATE_CHANGED_NOTIFY) notifying.push(c.id);
      if (version >= ClockVersion.V3 && (attrs & ClockAttr.RESTRICTED)) {
        const perms = (await link.call(CLOCK, ClockMsg.CLOCK_GET_PERMISSIONS, [c.id])).u32();
        restricted.set(c.id, clockAccess(perms));
      }
      if (version >= ClockVersion.V3 && c.parents.length > 0) {
        parents.set(c.id, (await link.call(CLOCK, ClockMsg.CLOCK_PARENT_GET, [c.id])).u32());
      }
    }
  }
  // Rate changes the downstream makes for others are heard once per connection, whatever
  // this platform's agents subscribe to, and handed to the clock protocol.
  const subscribe = async (send: Send) => {
    for (const id of notifying) await send(CLOCK, ClockMsg.CLOCK_RATE_NOTIFY, [id, 1]);
  };
  await subscribe((p, msg, params) => link.request(p, msg, params));
  link.onConnect(subscribe);
  const watchers: ((id: number, rate: number) => void)[] = [];
  link.onEvent((m) => {
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    const h = dv.getUint32(0, true);
    if (
      headerType(h) !== MsgType.NOTIFICATION || headerProtocol(h) !== CLOCK ||
      headerMessageId(h) !== ClockEvent.CLOCK_RATE_CHANGED || m.length < 20
    ) return;
    const id = dv.getUint32(8, true);
    const rate = dv.getUint32(12, true) + dv.getUint32(16, true) * 0x1_0000_0000;
    if (enabled.has(id)) { for (const w of watchers) w(id, rate); }
  });
  const getRate = async (id: number) => {
    const p = await link.call(CLOCK, ClockMsg.CLOCK_RATE_GET, [id]);
    return p.u32() + p.u32() * 0x1_0000_0000;
  };
  const hw: ClockHw = {
    getRate,
    async setRate(id, rate, round) {
      const params = [ROUND[round], id, rate % 0x1_0000_0000, Math.floor(rate / 0x1_0000_0000)];
      // The downstream holds this platform's vote already: a request equal to the last one
      // (the merged rate programmed again) does not travel.
      const key = params.join(",");
      const last = programmed.get(id);
      if (last?.key === key && replay.has(`clock.rate.${id}`)) return last.rate;
      await replay.write(`clock.rate.${id}`, CLOCK, ClockMsg.CLOCK_RATE_SET, params);
      const now = await getRate(id);
      programmed.set(id, { key, rate: now });
      return now;
    },
    isEnabled: (id) => enabled.get(id) ?? false,
    async setEnabled(id, on) {
      const state = on ? ClockState.ENABLE : ClockState.DISABLE;
      const params = version >= ClockVersion.V3 ? [id, state, 0] : [id, state];
      await replay.write(`clock.enable.${id}`, CLOCK, ClockMsg.CLOCK_CONFIG_SET, params);
      enabled.set(id, on);
    },
    watchRates: (changed) => void watchers.push(changed),
    getParent: (id) => parents.get(id) ?? -1,
    async setParent(id, parent) {
      await replay.write(`clock.parent.${id}`, CLOCK, ClockMsg.CLOCK_PARENT_SET, [id, parent]);
      parents.set(id, parent);
    },
  };
  return { hw, access: (id) => restricted.get(id) ?? { read: true, write: true } };
}
