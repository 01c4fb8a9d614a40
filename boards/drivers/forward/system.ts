/**
 * System power of the downstream platform: a state this platform's system protocol decides
 * on (a trusted agent's shutdown or reset with the `board` action) is asked of the downstream
 * with SYSTEM_POWER_STATE_SET, graceful or forceful as it was asked here. Which states it
 * takes is what the downstream says of SYSTEM_POWER_STATE_SET (warm reset, suspend).
 * @module
 */
import type { SystemHw } from "../../../plugins/system/hw.ts";
import { SystemMsg, SystemSetAttr } from "../../../plugins/system/msg.ts";
import { SystemState } from "../../../plugins/system/hw.ts";
import { CommonMsg } from "../../../core/protocol.ts";
import type { Link } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The system power protocol's id. */
export const SYSTEM = 0x12;

/** System power through `link` (changes through `replay`, held by none). */
export async function createForwardSystem(link: Link, replay: Replay): Promise<SystemHw> {
  const r = await link.request(SYSTEM, CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [
    SystemMsg.SYSTEM_POWER_STATE_SET,
  ]);
  const attrs = r.status === 0 && r.payload.length >= 4
    ? new DataView(r.payload.buffer, r.payload.byteOffset).getUint32(0, true)
    : 0;
  return {
    async setState(state, graceful) {
      await replay.write(null, SYSTEM, SystemMsg.SYSTEM_POWER_STATE_SET, [graceful ? 1 : 0, state]);
    },
    supports(state) {
      switch (state) {
        case SystemState.SHUTDOWN:
        case SystemState.COLD_RESET:
          return true;
        case SystemState.WARM_RESET:
          return (attrs & SystemSetAttr.WARM_RESET) !== 0;
        case SystemState.SUSPEND:
          return (attrs & SystemSetAttr.SUSPEND) !== 0;
        default:
          return false;
      }
    },
  };
}
