/**
 * Voltage domains of the downstream platform, by its ids: levels are read from it and set on
 * it, the on/off configuration set on it and remembered (read from it at start).
 * @module
 */
import { voltageKind } from "../../../plugins/voltage/kind.ts";
import type { VoltageHw } from "../../../plugins/voltage/hw.ts";
import { VoltageConfig, VoltageMsg } from "../../../plugins/voltage/msg.ts";
import type { Board } from "../../../core/board.ts";
import type { Link } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The voltage domain protocol's id. */
export const VOLTAGE = 0x17;

/** The voltage domains of `board` that driver instance `name` backs, through `link`. */
export async function createForwardVoltage(
  link: Link,
  replay: Replay,
  board: Board,
  name: string,
): Promise<VoltageHw> {
  const on = new Map<number, boolean>();
  for (const d of voltageKind.of(board).filter((d) => d.driver === name)) {
    const config = (await link.call(VOLTAGE, VoltageMsg.VOLTAGE_CONFIG_GET, [d.id])).u32();
    on.set(d.id, (config & VoltageConfig.MODE_MASK) !== VoltageConfig.OFF);
  }
  return {
    async getLevel(id) {
      return (await link.call(VOLTAGE, VoltageMsg.VOLTAGE_LEVEL_GET, [id])).i32();
    },
    async setLevel(id, microvolts) {
      const params = [id, 0, microvolts >>> 0];
      await replay.write(`voltage.level.${id}`, VOLTAGE, VoltageMsg.VOLTAGE_LEVEL_SET, params);
    },
    isOn: (id) => on.get(id) ?? false,
    async setOn(id, want) {
      const params = [id, want ? VoltageConfig.ON : VoltageConfig.OFF];
      await replay.write(`voltage.on.${id}`, VOLTAGE, VoltageMsg.VOLTAGE_CONFIG_SET, params);
      on.set(id, want);
    },
  };
}
