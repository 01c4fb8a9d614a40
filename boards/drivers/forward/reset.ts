/**
 * Reset domains of the downstream platform, by its ids: assertions and reset cycles are
 * RESET requests (explicit assert or release, or an autonomous cycle, in the reset state the
 * protocol gives). The downstream does not report a domain's assertion, so `isAsserted`
 * answers what this platform last set (released at start).
 * @module
 */
import type { ResetHw } from "../../../plugins/reset/hw.ts";
import { ResetFlag, ResetMsg } from "../../../plugins/reset/msg.ts";
import type { Replay } from "./replay.ts";

/** The reset domain protocol's id. */
export const RESET = 0x16;

/** Reset domains, changed through `replay`. */
export function createForwardReset(replay: Replay): ResetHw {
  const asserted = new Set<number>();
  return {
    isAsserted: (id) => asserted.has(id),
    async setAsserted(id, on, state) {
      const params = [id, on ? ResetFlag.EXPLICIT_ASSERT : 0, state];
      await replay.write(`reset.assert.${id}`, RESET, ResetMsg.RESET, params);
      if (on) asserted.add(id);
      else asserted.delete(id);
    },
    async pulse(id, state) {
      const params = [id, ResetFlag.AUTONOMOUS, state];
      await replay.write(null, RESET, ResetMsg.RESET, params, `reset.assert.${id}`);
      asserted.delete(id);
    },
  };
}
