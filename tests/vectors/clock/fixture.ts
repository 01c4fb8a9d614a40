/**
 * The platform the clock protocol vectors (and the clock plugin's unit tests) run against:
 * six clocks of every kind on the `sim` driver and five agents with different grants,
 * virtual orders, rights, pinned versions and platform→agent channels.
 *
 * | phys | name                | rates                          | boot       | parent (mux)       |
 * | ---- | ------------------- | ------------------------------ | ---------- | ------------------ |
 * | 0    | `osc24m`            | list 24 MHz                    | 24 MHz on  | —                  |
 * | 1    | `pll_sys`           | range 100 MHz–6 GHz step 100 MHz | 4.8 GHz on | 0 (fixed)        |
 * | 2    | `pll_audio`         | list 1, 2, … 20 MHz            | 10 MHz off | 0 (fixed)          |
 * | 3    | `uart0`             | list 12, 24, 48 MHz            | 24 MHz off | 0 of 0, 2, 5       |
 * | 4    | `sdmmc0_card_clock` | range 400 kHz–200 MHz step 400 kHz | 50 MHz off | 1 of 1, 2      |
 * | 5    | `pll_hidden`        | list 100 MHz                   | 100 MHz off | 0 (fixed)         |
 *
 * `sdmmc0_card_clock` has an enable latency of 20 µs, a rate latency of 100 µs (immediate at
 * the fixture's time scale 0) and extended configuration: duty cycle (type 1) = 50, OEM type
 * 0x80 = 7.
 *
 * | agent (id) | version | clock grants, virtual 0.. (physical) | rights               | P2A |
 * | ---------- | ------- | ------------------------------------ | -------------------- | --- |
 * | vm1 (1)    | 3.0     | 4, 3, 0, 2, 1                        | all                  | yes |
 * | vm2 (2)    | 2.0     | 3, 4                                 | all                  | yes |
 * | old (3)    | 1.0     | 2, 0                                 | all                  | yes |
 * | ro (4)     | 3.0     | 3, 0                                 | 3 is read-only       | no  |
 * | lim (5)    | 3.0     | 2, 4, 1, 3                           | all, with bounds     | yes |
 *
 * `lim`'s bounds, by virtual id: 0 `pll_audio` 3–18 MHz; 1 `sdmmc0_card_clock` 1–100.1 MHz;
 * 2 `pll_sys` only 200 MHz, 1 GHz or 5 GHz and at most 4.5 GHz; 3 `uart0` only 12 or 48 MHz.
 * @module
 */
import type { ClockDesc } from "../../../plugins/clock/kind.ts";
import { emptyBoard } from "../../../core/board.ts";
import type { BoardDriver } from "../../../core/driver.ts";
import { ALL_RIGHTS } from "../../../core/grants.ts";
import { type AnyProtocol, defineProtocol, Right } from "../../../core/protocol.ts";
import { PROTOCOLS } from "../../../builtins.ts";
import { createSim } from "../../../boards/drivers/sim.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import { type AgentSpec, type Fixture, fixture as build } from "../../harness.ts";

const MHZ = 1_000_000;

/** The board's clocks, by physical id. */
export function clocks(): ClockDesc[] {
  const audio = Array.from({ length: 20 }, (_, i) => (i + 1) * MHZ);
  return [
    {
      id: 0,
      name: "osc24m",
      driver: "sim",
      rates: { kind: "list", rates: [24 * MHZ] },
      rate: 24 * MHZ,
      enabled: true,
      parents: [],
      latencyUs: 0,
    },
    {
      id: 1,
      name: "pll_sys",
      driver: "sim",
      rates: { kind: "range", min: 100 * MHZ, max: 6000 * MHZ, step: 100 * MHZ },
      rate: 4800 * MHZ,
      enabled: true,
      parents: [],
      parent: 0,
      latencyUs: 50,
    },
    {
      id: 2,
      name: "pll_audio",
      driver: "sim",
      rates: { kind: "list", rates: audio },
      rate: 10 * MHZ,
      enabled: false,
      parents: [],
      parent: 0,
      latencyUs: 0,
    },
    {
      id: 3,
      name: "uart0",
      driver: "sim",
      rates: { kind: "list", rates: [12 * MHZ, 24 * MHZ, 48 * MHZ] },
      rate: 24 * MHZ,
      enabled: false,
      parents: [0, 2, 5],
      parent: 0,
      latencyUs: 0,
    },
    {
      id: 4,
      name: "sdmmc0_card_clock",
      driver: "sim",
      rates: { kind: "range", min: 400_000, max: 200 * MHZ, step: 400_000 },
      rate: 50 * MHZ,
      enabled: false,
      parents: [1, 2],
      parent: 1,
      latencyUs: 100,
      enableLatencyUs: 20,
      oemConfig: [{ type: 0x01, value: 50 }, { type: 0x80, value: 7 }],
    },
    {
      id: 5,
      name: "pll_hidden",
      driver: "sim",
      rates: { kind: "list", rates: [100 * MHZ] },
      rate: 100 * MHZ,
      enabled: false,
      parents: [],
      parent: 0,
      latencyUs: 0,
    },
  ];
}

/** A 24 MHz sim clock, off at power-on, with `parents` (the first at power-on). */
export function simClock(
  id: number,
  name: string,
  parents: number[],
  extra: Partial<ClockDesc> = {},
): ClockDesc {
  return {
    id,
    name,
    driver: "sim",
    rates: { kind: "list" as const, rates: [24 * MHZ] },
    rate: 24 * MHZ,
    enabled: false,
    parents,
    parent: parents[0],
    latencyUs: 0,
    ...extra,
  };
}

/** The five agents of the table above. */
export const AGENTS: AgentSpec[] = [
  { name: "vm1", protocols: { 0x14: undefined }, grants: { clock: [4, 3, 0, 2, 1] } },
  { name: "vm2", protocols: { 0x14: 0x20000 }, grants: { clock: [3, 4] } },
  { name: "old", protocols: { 0x14: 0x10000 }, grants: { clock: [2, 0] } },
  {
    name: "ro",
    protocols: { 0x14: undefined },
    grants: { clock: [3, 0] },
    rights: { clock: [Right.READ, ALL_RIGHTS] },
    p2a: false,
  },
  {
    name: "lim",
    protocols: { 0x14: undefined },
    grants: { clock: [2, 4, 1, 3] },
    bounds: {
      clock: [
        { min: 3 * MHZ, max: 18 * MHZ },
        { min: 1 * MHZ, max: 100_100_000 },
        { max: 4500 * MHZ, values: [200 * MHZ, 1000 * MHZ, 5000 * MHZ] },
        { values: [12 * MHZ, 48 * MHZ] },
      ],
    },
  },
];

/**
 * Answers PROTOCOL_ATTRIBUTES only: every agent is granted Base, which the platform wants
 * registered, and the clock vectors never talk to it.
 */
const BASE_STAND_IN = defineProtocol({
  api: 1,
  id: 0x10,
  name: "base-stand-in",
  versions: [0x20001],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});

/** The registered Base (or a stand-in) and Clock protocols. */
function protocols(): AnyProtocol[] {
  const base = PROTOCOLS.find((p) => p.id === 0x10) ?? BASE_STAND_IN;
  return [base, ...PROTOCOLS.filter((p) => p.id === 0x14)];
}

/** Options of {@linkcode clockFixture}. */
export interface ClockFixtureOptions {
  /** The sim driver's time scale (default 0: every operation immediate). */
  timeScale?: number;
  /** Where the sim waits its latencies (default: the system's timers). */
  clock?: TimerClock;
  /** The board's clocks (default {@linkcode clocks}). */
  clocks?: ClockDesc[];
}

/** A platform with the clock board, `agents` and the sim driver. */
export async function clockFixture(
  agents: AgentSpec[],
  opts: ClockFixtureOptions = {},
): Promise<Fixture> {
  const board = emptyBoard("clock-vectors");
  board.drivers.push({ name: "sim", type: "sim", options: {} });
  board.resources.clock = opts.clocks ?? clocks();
  const sim = createSim(board, "sim", { timeScale: opts.timeScale ?? 0, clock: opts.clock });
  return await build({
    board,
    protocols: protocols(),
    agents,
    drivers: new Map<string, BoardDriver>([["sim", sim]]),
  });
}

/** The vectors' platform. */
export function fixture(): Promise<Fixture> {
  return clockFixture(AGENTS);
}
