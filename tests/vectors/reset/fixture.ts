/**
 * The platform the Reset domain protocol vectors run against: four reset domains on the
 * `sim` driver (immediate) and six agents with different grants, virtual orders, rights,
 * pinned versions and platform→agent channels.
 *
 * | phys | name                    | latency µs  | async | IMPLEMENTATION DEFINED states |
 * | ---- | ----------------------- | ----------- | ----- | ----------------------------- |
 * | 0    | `uart0`                 | 10          | no    | —                             |
 * | 1    | `gpu_core_reset_domain` | 0x7fffffff  | yes   | —                             |
 * | 2    | `eth`                   | 200         | yes   | 0x80000001                    |
 * | 3    | `secret`                | 5           | no    | —                             |
 *
 * | agent (id)  | version | reset grants, virtual 0.. (physical) | rights          | P2A |
 * | ----------- | ------- | ------------------------------------ | --------------- | --- |
 * | vm1 (1)     | 3.1     | 2, 0, 1                              | all             | yes |
 * | vm2 (2)     | 3.1     | 0, 1, 3                              | 3 is read-only  | yes |
 * | v1 (3)      | 1.0     | 1, 0                                 | all             | yes |
 * | v2 (4)      | 2.0     | 1                                    | all             | yes |
 * | v3 (5)      | 3.0     | 1, 2                                 | all             | yes |
 * | nop2a (6)   | 3.1     | 2                                    | all             | no  |
 * @module
 */
import { emptyBoard } from "../../../core/board.ts";
import type { ResetDesc } from "../../../plugins/reset/kind.ts";
import { ALL_RIGHTS } from "../../../core/grants.ts";
import { Right } from "../../../core/protocol.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

/** The board's reset domains, by physical id. */
export const RESETS: ResetDesc[] = [
  { id: 0, name: "uart0", driver: "sim", latencyUs: 10, async: false },
  { id: 1, name: "gpu_core_reset_domain", driver: "sim", latencyUs: 0x7fffffff, async: true },
  { id: 2, name: "eth", driver: "sim", latencyUs: 200, async: true, states: [0x80000001] },
  { id: 3, name: "secret", driver: "sim", latencyUs: 5, async: false },
];

/** A fresh platform with the board and agents above, every session open. */
export function fixture(): Promise<Fixture> {
  const board = emptyBoard("reset-vectors");
  board.resources.reset = RESETS.map((r) => ({ ...r }));
  const R = Right.READ;
  const A = ALL_RIGHTS;
  return build({
    board,
    agents: [
      { name: "vm1", protocols: { 0x16: undefined }, grants: { reset: [2, 0, 1] } },
      {
        name: "vm2",
        protocols: { 0x16: undefined },
        grants: { reset: [0, 1, 3] },
        rights: { reset: [A, A, R] },
      },
      { name: "v1", protocols: { 0x16: 0x10000 }, grants: { reset: [1, 0] } },
      { name: "v2", protocols: { 0x16: 0x20000 }, grants: { reset: [1] } },
      { name: "v3", protocols: { 0x16: 0x30000 }, grants: { reset: [1, 2] } },
      { name: "nop2a", protocols: { 0x16: undefined }, grants: { reset: [2] }, p2a: false },
    ],
  });
}
