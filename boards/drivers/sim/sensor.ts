/** Simulated sensors: values that move over time as the board describes. @module */
import type { Board, SensorDesc } from "../../../core/board.ts";
import type { SensorHw } from "../../../core/hw/sensor.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimSensor(
  board: Board,
  driver: string,
  _opts: SimOptions,
  now: () => number = Date.now,
): SensorHw {
  const sensors = new Map<number, SensorDesc>(mine(board, "sensor", driver).map((s) => [s.id, s]));
  const enabled = new Map<number, boolean>([...sensors.keys()].map((id) => [id, true]));
  const t0 = now();
  let seed = 0x2545f491;
  const noise = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 0xffffffff) * 2 - 1;
  };
  return {
    read(id, axis) {
      const s = sensors.get(id)!;
      const sim = s.sim;
      const bias = axis * 1;
      switch (sim.kind) {
        case "constant":
          return sim.value + bias;
        case "ramp": {
          const phase = ((now() - t0) % sim.periodMs) / sim.periodMs;
          return Math.round(sim.from + (sim.to - sim.from) * phase) + bias;
        }
        case "noise":
          return Math.round(sim.center + sim.amplitude * noise()) + bias;
      }
    },
    timestamp: () => (now() - t0) * 1_000_000,
    isEnabled: (id) => enabled.get(id) ?? false,
    setEnabled: (id, on) => void enabled.set(id, on),
  };
}
