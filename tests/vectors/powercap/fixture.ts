/**
 * The platform the Power capping protocol vectors run against: four power-capping domains
 * on the `sim` driver (immediate, loads of constant power so measurements are exact) and
 * agents with different grants, virtual orders, rights, pinned versions and platform→agent
 * channels. The powercap plugin samples watched domains every 10 ms.
 *
 * | phys | name                     | cap range (step), µW            | cap     | PAI range (step), µs | PAI   | load    | other                                  |
 * | ---- | ------------------------ | ------------------------------- | ------- | -------------------- | ----- | ------- | -------------------------------------- |
 * | 0    | `soc`                    | 1000000–10000000 (100000)       | 8000000 | 1000–100000 (1000)   | 10000 | 3000000 | async, can disable, sustainable 6 W, accuracy 500 |
 * | 1    | `gpu_power_capping_zone` | 500000–5000000 (50000)          | 4000000 | 10000 fixed          | 10000 | 4500000 | parent `soc`                           |
 * | 2    | `fixed`                  | 2000 mW fixed                   | 2000    | 1000 fixed           | 1000  | —       | unit mW, no monitoring                 |
 * | 3    | `secret`                 | 1000000–2000000 (1000000)       | 2000000 | 1000 fixed           | 1000  | —       |                                        |
 *
 * | agent (id)  | version | powercap grants, virtual 0.. (physical) | rights         | P2A |
 * | ----------- | ------- | --------------------------------------- | -------------- | --- |
 * | vm1 (1)     | 2.0     | 1, 0, 2                                 | all            | yes |
 * | vm2 (2)     | 2.0     | 0, 1, 3                                 | 3 is read-only | yes |
 * | v1 (3)      | 1.0     | 0                                       | all            | yes |
 * | nop2a (4)   | 2.0     | 1                                       | all            | no  |
 * | gpuonly (5) | 2.0     | 1                                       | all            | yes |
 * @module
 */
import { emptyBoard } from "../../../core/board.ts";
import type { PowercapDesc } from "../../../plugins/powercap/kind.ts";
import { ALL_RIGHTS } from "../../../core/grants.ts";
import { Right } from "../../../core/protocol.ts";
import { PROTOCOLS } from "../../../builtins.ts";
import { createPowercapProtocol } from "../../../plugins/powercap/mod.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

/** The board's power-capping domains, by physical id. */
export const DOMAINS: PowercapDesc[] = [
  {
    id: 0,
    name: "soc",
    driver: "sim",
    minCap: 1_000_000,
    maxCap: 10_000_000,
    capStep: 100_000,
    cap: 8_000_000,
    minPai: 1_000,
    maxPai: 100_000,
    paiStep: 1_000,
    pai: 10_000,
    async: true,
    canDisable: true,
    sustainablePower: 6_000_000,
    accuracy: 500,
    load: { min: 3_000_000, max: 3_000_000, periodMs: 1_000 },
  },
  {
    id: 1,
    name: "gpu_power_capping_zone",
    driver: "sim",
    minCap: 500_000,
    maxCap: 5_000_000,
    capStep: 50_000,
    cap: 4_000_000,
    minPai: 10_000,
    maxPai: 10_000,
    paiStep: 0,
    pai: 10_000,
    parent: 0,
    load: { min: 4_500_000, max: 4_500_000, periodMs: 1_000 },
  },
  {
    id: 2,
    name: "fixed",
    driver: "sim",
    unit: "mW",
    minCap: 2_000,
    maxCap: 2_000,
    capStep: 0,
    cap: 2_000,
    minPai: 1_000,
    maxPai: 1_000,
    paiStep: 0,
    pai: 1_000,
    monitoring: false,
  },
  {
    id: 3,
    name: "secret",
    driver: "sim",
    minCap: 1_000_000,
    maxCap: 2_000_000,
    capStep: 1_000_000,
    cap: 2_000_000,
    minPai: 1_000,
    maxPai: 1_000,
    paiStep: 0,
    pai: 1_000,
  },
];

const P = 0x18;

/** A fresh platform with the board and agents above, every session open. */
export function fixture(): Promise<Fixture> {
  const board = emptyBoard("powercap-vectors");
  board.resources.powercap = structuredClone(DOMAINS);
  const A = ALL_RIGHTS;
  const R = Right.READ;
  return build({
    board,
    protocols: [
      ...PROTOCOLS.filter((p) => p.id !== P),
      createPowercapProtocol({ pollMs: 10 }),
    ],
    agents: [
      { name: "vm1", protocols: { [P]: undefined }, grants: { powercap: [1, 0, 2] } },
      {
        name: "vm2",
        protocols: { [P]: undefined },
        grants: { powercap: [0, 1, 3] },
        rights: { powercap: [A, A, R] },
      },
      { name: "v1", protocols: { [P]: 0x10000 }, grants: { powercap: [0] } },
      { name: "nop2a", protocols: { [P]: undefined }, grants: { powercap: [1] }, p2a: false },
      { name: "gpuonly", protocols: { [P]: undefined }, grants: { powercap: [1] } },
    ],
  });
}
