/**
 * Board and agents for the Power domain vectors.
 *
 * Physical domains (sim driver, no latency): 0 "soc" (on at power-on), 1 "gpu" (child of
 * soc, async), 2 "gpu-shader-cluster0" (child of gpu, 19-character name), 3 "dsp" (extra
 * states 0x00000001 and 0x40000001), 4 "secure" (granted to nobody).
 *
 * Agents, in id order:
 * 1. vm1 — newest version; virtual 0 gpu, 1 gpu-shader-cluster0, 2 dsp, 3 soc.
 * 2. vm2 — newest version; virtual 0 gpu-shader-cluster0, 1 gpu (read only).
 * 3. old1 — pinned to 1.0; virtual 0 gpu.
 * 4. old2 — pinned to 2.0; virtual 0 gpu-shader-cluster0.
 * 5. quiet — newest version, no platform→agent channel; virtual 0 gpu.
 * @module
 */
import { powerKind } from "../../../plugins/power/kind.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { Right } from "../../../core/protocol.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

export function powerBoard(): Board {
  const b = emptyBoard("power-vectors");
  b.drivers.push({ name: "sim", type: "sim", options: { time_scale: 0 } });
  const common = { driver: "sim", latencyUs: 0 };
  powerKind.of(b).push(
    { ...common, id: 0, name: "soc", on: true, async: false },
    { ...common, id: 1, name: "gpu", parent: 0, on: false, async: true },
    { ...common, id: 2, name: "gpu-shader-cluster0", parent: 1, on: false, async: false },
    { ...common, id: 3, name: "dsp", on: false, async: false, states: [0x00000001, 0x40000001] },
    { ...common, id: 4, name: "secure", on: false, async: false },
  );
  return b;
}

export function fixture(): Promise<Fixture> {
  return build({
    board: powerBoard(),
    agents: [
      { name: "vm1", protocols: { 0x11: undefined }, grants: { power: [1, 2, 3, 0] } },
      {
        name: "vm2",
        protocols: { 0x11: undefined },
        grants: { power: [2, 1] },
        rights: { power: [Right.READ | Right.WRITE, Right.READ] },
      },
      { name: "old1", protocols: { 0x11: 0x10000 }, grants: { power: [1] } },
      { name: "old2", protocols: { 0x11: 0x20000 }, grants: { power: [2] } },
      { name: "quiet", protocols: { 0x11: undefined }, grants: { power: [1] }, p2a: false },
    ],
  });
}
