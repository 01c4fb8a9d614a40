/**
 * Performance domains of the downstream platform, by its ids and level values: levels and
 * limits are set on it and the level it then runs at read back. The driver speaks
 * Performance 3.0 to the downstream (negotiated on every connection), where levels are values
 * on every domain, never the indices of 4.0's level-indexing mode.
 * @module
 */
import type { PerfHw } from "../../../plugins/perf/hw.ts";
import { PerfMsg, V3 } from "../../../plugins/perf/msg.ts";
import { CommonMsg } from "../../../core/protocol.ts";
import type { Link, Send } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The performance domain protocol's id. */
export const PERF = 0x13;

/** Performance domains through `link`. */
export async function createForwardPerf(link: Link, replay: Replay): Promise<PerfHw> {
  // A platform without 3.0 answers NOT_SUPPORTED and speaks what it speaks: older versions
  // have level values too.
  const negotiate = async (send: Send) =>
    void await send(PERF, CommonMsg.NEGOTIATE_PROTOCOL_VERSION, [V3]);
  await negotiate((p, m, params) => link.request(p, m, params));
  link.onConnect(negotiate);
  const getLevel = async (id: number) => (await link.call(PERF, PerfMsg.LEVEL_GET, [id])).u32();
  return {
    getLevel,
    async setLevel(id, level) {
      await replay.write(`perf.level.${id}`, PERF, PerfMsg.LEVEL_SET, [id, level]);
      return await getLevel(id);
    },
    async setLimits(id, min, max) {
      await replay.write(`perf.limits.${id}`, PERF, PerfMsg.LIMITS_SET, [id, max, min]);
      return await getLevel(id);
    },
  };
}
