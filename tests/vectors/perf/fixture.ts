/**
 * The platform the Performance vectors run against.
 *
 * Board (power costs in µW), physical ids:
 * - 0 "little": levels 200/400/600/800 (power 50000/120000/250000/400000 µW, latency
 *   100/150/200/300 µs, 200000–800000 kHz), boot level 400, sustained 600 / 600000 kHz,
 *   rate limit 1000 µs.
 * - 1 "big.cluster.performance" (a name longer than 15 characters), level-indexing mode:
 *   levels 1000/1500/2000 (power 300000/600000/1000000 µW, latency 500/500/700 µs,
 *   1000000–2000000 kHz), boot level 1500, sustained 1500 / 1500000 kHz, no rate limit.
 * - 2 "gpu", approximates: levels 100/300/500 (power 10000/30000/70000 µW, latency 50 µs,
 *   100000–500000 kHz), boot level 100, sustained 300 / 300000 kHz, rate limit 500 µs.
 * - 3 "npu", on the second sim instance "slow" (time_scale 1, so transitions really take
 *   their latency): levels 100/200 (latency 2000/3000 µs), boot level 100.
 *
 * Agents (id = position + 1), virtual id → physical id:
 * - vm1 (1): Perf 4.0; 0 → 0, 1 → 1, full rights.
 * - vm2 (2): Perf 4.0; 0 → 2 (full rights), 1 → 0 (read only).
 * - old1 (3), old2 (4), old3 (5): pinned to 1.0, 2.0, 3.0; 0 → 0, 1 → 1, full rights.
 * - quiet (6): Perf 4.0 without a platform→agent channel; 0 → 0.
 * - small (7): Perf 4.0, 32-byte messages; 0 → 0, 1 → 1.
 * - vm3 (8): Perf 4.0; 0 → 3.
 * @module
 */
import { perfKind } from "../../../plugins/perf/kind.ts";
import { emptyBoard } from "../../../core/board.ts";
import type { PerfLevel } from "../../../plugins/perf/kind.ts";
import type { BoardDriver } from "../../../core/driver.ts";
import { simDriver } from "../../../boards/drivers/sim.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

const level = (level: number, power: number, latencyUs: number, freqKhz: number): PerfLevel => ({
  level,
  power,
  latencyUs,
  freqKhz,
});

export function perfBoard() {
  const b = emptyBoard("perf-vectors");
  b.settings.perf_power_unit = "uW";
  perfKind.of(b).push(
    {
      id: 0,
      name: "little",
      driver: "sim",
      levels: [
        level(200, 50000, 100, 200000),
        level(400, 120000, 150, 400000),
        level(600, 250000, 200, 600000),
        level(800, 400000, 300, 800000),
      ],
      level: 400,
      sustainedFreqKhz: 600000,
      sustainedLevel: 600,
      rateLimitUs: 1000,
    },
    {
      id: 1,
      name: "big.cluster.performance",
      driver: "sim",
      levels: [
        level(1000, 300000, 500, 1000000),
        level(1500, 600000, 500, 1500000),
        level(2000, 1000000, 700, 2000000),
      ],
      level: 1500,
      sustainedFreqKhz: 1500000,
      sustainedLevel: 1500,
      rateLimitUs: 0,
      levelIndexing: true,
    },
    {
      id: 2,
      name: "gpu",
      driver: "sim",
      levels: [
        level(100, 10000, 50, 100000),
        level(300, 30000, 50, 300000),
        level(500, 70000, 50, 500000),
      ],
      level: 100,
      sustainedFreqKhz: 300000,
      sustainedLevel: 300,
      rateLimitUs: 500,
      approximate: true,
    },
    {
      id: 3,
      name: "npu",
      driver: "slow",
      levels: [level(100, 1000, 2000, 100000), level(200, 2000, 3000, 200000)],
      level: 100,
      sustainedFreqKhz: 200000,
      sustainedLevel: 200,
      rateLimitUs: 0,
    },
  );
  return b;
}

const PERF = 0x13;
const RW = 3;
const RO = 1;

export async function fixture(): Promise<Fixture> {
  const board = perfBoard();
  const sim = (name: string, time_scale: number) =>
    simDriver.create({ name, options: { time_scale }, board });
  return build({
    board,
    drivers: new Map<string, BoardDriver>([
      ["sim", await sim("sim", 0)],
      ["slow", await sim("slow", 1)],
    ]),
    agents: [
      { name: "vm1", protocols: { [PERF]: undefined }, grants: { perf: [0, 1] } },
      {
        name: "vm2",
        protocols: { [PERF]: undefined },
        grants: { perf: [2, 0] },
        rights: { perf: [RW, RO] },
      },
      { name: "old1", protocols: { [PERF]: 0x10000 }, grants: { perf: [0, 1] } },
      { name: "old2", protocols: { [PERF]: 0x20000 }, grants: { perf: [0, 1] } },
      { name: "old3", protocols: { [PERF]: 0x30000 }, grants: { perf: [0, 1] } },
      { name: "quiet", protocols: { [PERF]: undefined }, grants: { perf: [0] }, p2a: false },
      { name: "small", protocols: { [PERF]: undefined }, grants: { perf: [0, 1] }, maxMsgSize: 32 },
      { name: "vm3", protocols: { [PERF]: undefined }, grants: { perf: [3] } },
    ],
  });
}
