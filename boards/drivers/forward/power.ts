/**
 * Power domains of the downstream platform, by its ids: states are set on it, read from it at
 * start, and followed through POWER_STATE_CHANGED notifications the driver subscribes to once
 * per connection, so `getState` answers the downstream's state, changes by its other agents
 * included.
 * @module
 */
import { powerKind } from "../../../plugins/power/kind.ts";
import type { PowerHw } from "../../../plugins/power/hw.ts";
import { PowerDomainAttr, PowerEvent, PowerMsg } from "../../../plugins/power/msg.ts";
import type { Board } from "../../../core/board.ts";
import { headerMessageId, headerProtocol, headerType, MsgType } from "../../../core/header.ts";
import type { Link, Send } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The power domain protocol's id. */
export const POWER = 0x11;

/** The power domains of `board` that driver instance `name` backs, through `link`. */
export async function createForwardPower(
  link: Link,
  replay: Replay,
  board: Board,
  name: string,
): Promise<PowerHw> {
  const mine = powerKind.of(board).filter((d) => d.driver === name);
  const states = new Map<number, number>();
  const notifying: number[] = [];
  const watchers: ((id: number, state: number) => void)[] = [];
  for (const d of mine) {
    const attrs = (await link.call(POWER, PowerMsg.POWER_DOMAIN_ATTRIBUTES, [d.id])).u32();
    if (attrs & PowerDomainAttr.STATE_CHANGE_NOTIFY) notifying.push(d.id);
    states.set(d.id, (await link.call(POWER, PowerMsg.POWER_STATE_GET, [d.id])).u32());
  }
  link.onEvent((m) => {
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    const h = dv.getUint32(0, true);
    if (
      headerType(h) !== MsgType.NOTIFICATION || headerProtocol(h) !== POWER ||
      headerMessageId(h) !== PowerEvent.POWER_STATE_CHANGED || m.length < 16
    ) return;
    const id = dv.getUint32(8, true);
    const state = dv.getUint32(12, true);
    if (!states.has(id) || states.get(id) === state) return;
    states.set(id, state);
    for (const w of watchers) w(id, state);
  });
  // Subscribed once per connection, whatever this platform's agents subscribe to.
  const subscribe = async (send: Send) => {
    for (const id of notifying) await send(POWER, PowerMsg.POWER_STATE_NOTIFY, [id, 1]);
  };
  await subscribe((p, msg, params) => link.request(p, msg, params));
  link.onConnect(subscribe);
  return {
    getState: (id) => states.get(id) ?? 0,
    watchStates: (changed) => void watchers.push(changed),
    async setState(id, state) {
      const params = [0, id, state];
      await replay.write(`power.state.${id}`, POWER, PowerMsg.POWER_STATE_SET, params);
      states.set(id, state);
    },
  };
}
