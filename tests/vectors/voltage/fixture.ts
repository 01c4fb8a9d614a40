/**
 * The platform the Voltage domain protocol vectors run against: five voltage domains on the
 * `sim` driver (immediate) and agents with different grants, virtual orders, rights, pinned
 * versions, message sizes and platform→agent channels.
 *
 * | phys | name                  | levels, µV                                     | power-on | on  | async |
 * | ---- | --------------------- | ---------------------------------------------- | -------- | --- | ----- |
 * | 0    | `vdd_cpu`             | segment 600000–1100000 step 6250               | 900000   | yes | no    |
 * | 1    | `vddio_sd`            | 1800000, 3300000                               | 3300000  | yes | no    |
 * | 2    | `vdd_dsp_core_rail_0` | 800000, 850000, 900000, 950000, 1000000        | 900000   | no  | yes   |
 * | 3    | `vneg`                | -5000000, -3300000                             | -5000000 | no  | no    |
 * | 4    | `secret`              | 1000000                                        | 1000000  | no  | no    |
 *
 * | agent (id) | version | voltage grants, virtual 0.. (physical) | rights          | P2A | max msg |
 * | ---------- | ------- | -------------------------------------- | --------------- | --- | ------- |
 * | vm1 (1)    | 2.1     | 2, 0, 1, 3                             | all             | yes | 128     |
 * | vm2 (2)    | 2.1     | 0, 2, 4                                | 4 is read-only  | yes | 128     |
 * | v1 (3)     | 1.0     | 2, 0                                   | all             | yes | 128     |
 * | v2 (4)     | 2.0     | 2                                      | all             | yes | 128     |
 * | nop2a (5)  | 2.1     | 2                                      | all             | no  | 128     |
 * | small (6)  | 2.1     | 2, 0                                   | all             | yes | 12      |
 * @module
 */
import { emptyBoard } from "../../../core/board.ts";
import type { VoltageDesc } from "../../../plugins/voltage/kind.ts";
import { ALL_RIGHTS } from "../../../core/grants.ts";
import { Right } from "../../../core/protocol.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

/** The board's voltage domains, by physical id. */
export const DOMAINS: VoltageDesc[] = [
  {
    id: 0,
    name: "vdd_cpu",
    driver: "sim",
    levels: { kind: "segment", min: 600_000, max: 1_100_000, step: 6_250 },
    level: 900_000,
    on: true,
    async: false,
  },
  {
    id: 1,
    name: "vddio_sd",
    driver: "sim",
    levels: { kind: "list", levels: [1_800_000, 3_300_000] },
    level: 3_300_000,
    on: true,
    async: false,
  },
  {
    id: 2,
    name: "vdd_dsp_core_rail_0",
    driver: "sim",
    levels: { kind: "list", levels: [800_000, 850_000, 900_000, 950_000, 1_000_000] },
    level: 900_000,
    on: false,
    async: true,
  },
  {
    id: 3,
    name: "vneg",
    driver: "sim",
    levels: { kind: "list", levels: [-5_000_000, -3_300_000] },
    level: -5_000_000,
    on: false,
    async: false,
  },
  {
    id: 4,
    name: "secret",
    driver: "sim",
    levels: { kind: "list", levels: [1_000_000] },
    level: 1_000_000,
    on: false,
    async: false,
  },
];

const P = 0x17;

/** A fresh platform with the board and agents above, every session open. */
export function fixture(): Promise<Fixture> {
  const board = emptyBoard("voltage-vectors");
  board.resources.voltage = structuredClone(DOMAINS);
  const A = ALL_RIGHTS;
  const R = Right.READ;
  return build({
    board,
    agents: [
      { name: "vm1", protocols: { [P]: undefined }, grants: { voltage: [2, 0, 1, 3] } },
      {
        name: "vm2",
        protocols: { [P]: undefined },
        grants: { voltage: [0, 2, 4] },
        rights: { voltage: [A, A, R] },
      },
      { name: "v1", protocols: { [P]: 0x10000 }, grants: { voltage: [2, 0] } },
      { name: "v2", protocols: { [P]: 0x20000 }, grants: { voltage: [2] } },
      { name: "nop2a", protocols: { [P]: undefined }, grants: { voltage: [2] }, p2a: false },
      {
        name: "small",
        protocols: { [P]: undefined },
        grants: { voltage: [2, 0] },
        maxMsgSize: 12,
      },
    ],
  });
}
