/**
 * The platform the Base protocol vectors run against: the real Base plugin, ten small
 * stand-in protocols (0x11–0x19 and 0x80) so protocol lists do not depend on which plugins
 * the registry holds, a board with clocks, reset domains and SCMI devices, and eleven agents
 * with different protocol sets, message sizes, pinned Base versions and channels.
 *
 * Stand-in protocols (version 1.0): PROTOCOL_ATTRIBUTES answers the number of virtual ids
 * the agent has of the protocol's resource kind (0 without one); message 0x3 `ECHO` (a2p:
 * u32 id, p2a: u32 physical id) shows which physical resource a virtual id reaches.
 *
 * | id   | kind   |   | id   | kind     |
 * | ---- | ------ | - | ---- | -------- |
 * | 0x11 | power  |   | 0x16 | reset    |
 * | 0x12 | none   |   | 0x17 | voltage  |
 * | 0x13 | perf   |   | 0x18 | powercap |
 * | 0x14 | clock  |   | 0x19 | pin      |
 * | 0x15 | sensor |   | 0x80 | none     |
 *
 * Board: clocks 0–5, reset domains 0–2, devices 0 `uart0` (clocks 0, 1; reset 0),
 * 1 `uart1` (clock 2; reset 1), 2 `gpu` (clocks 3, 4; reset 2), 7 `bus` (clock 1).
 * Vendor "vscmi", sub-vendor "virtual-platform-sim" (cut to 15 characters on the wire),
 * implementation version 0x01020304.
 *
 * | agent (id)                  | trusted | protocols besides Base; grants  | size | Base | P2A |
 * | --------------------------- | ------- | -------------------------------- | ---- | ---- | --- |
 * | hyp (1)                     | yes     | all ten; clock 5                 | 128  | 2.1  | yes |
 * | vm1 (2)                     | no      | 0x14, 0x16; clocks 0, 1; reset 0 | 128  | 2.1  | yes |
 * | one (3)                     | no      | 0x14                             | 128  | 2.1  | yes |
 * | three (4)                   | no      | 0x11, 0x14, 0x80                 | 128  | 2.1  | yes |
 * | five (5)                    | no      | 0x11, 0x13, 0x14, 0x16, 0x19     | 128  | 2.1  | yes |
 * | all8 (6)                    | no      | all ten                          | 8    | 2.1  | yes |
 * | all12 (7)                   | no      | all ten                          | 12   | 2.1  | yes |
 * | legacy (8)                  | no      | 0x14                             | 128  | 1.0  | yes |
 * | v20 (9)                     | no      | none                             | 128  | 2.0  | yes |
 * | nochan (10)                 | no      | 0x12                             | 128  | 2.1  | no  |
 * | a-very-long-agent-name (11) | no      | 0x12                             | 4    | 2.1  | yes |
 *
 * The Base error reporter's clock is frozen, so after the first BASE_ERROR_EVENT about an
 * agent every later error of that agent is held back (rate limit) and the p2a vectors do not
 * depend on timing.
 * @module
 */
import { kindNamed } from "../../../core/kind.ts";
import type { ResourceKind } from "../../../core/board.ts";
import type { ClockDesc } from "../../../plugins/clock/kind.ts";
import type { ResetDesc } from "../../../plugins/reset/kind.ts";
import { emptyBoard } from "../../../core/board.ts";
import type { VendorInfo } from "../../../core/platform_env.ts";
import { type AnyProtocol, type CommandDef, defineProtocol } from "../../../core/protocol.ts";
import { baseProtocol, type BaseShared } from "../../../plugins/base/mod.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

/** A stand-in protocol: PROTOCOL_ATTRIBUTES = count of `kind` ids, 0x3 echoes the physical id. */
export function standIn(id: number, kind?: ResourceKind): AnyProtocol {
  const commands: Record<number, CommandDef> = {
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (ctx, m) => m.w.u32(kind ? ctx.ids(kind).count : 0),
    },
  };
  if (kind) {
    commands[0x3] = { name: "ECHO", params: 4, resource: kind, run: (_c, m) => m.w.u32(m.res) };
  }
  return defineProtocol({
    api: 1,
    id,
    name: `stand-in-${id.toString(16)}`,
    versions: [0x10000],
    kinds: kind ? [kindNamed(kind)!] : [],
    commands,
  });
}

/** The ten stand-ins, by id. */
export const STAND_INS: AnyProtocol[] = [
  standIn(0x11, "power"),
  standIn(0x12),
  standIn(0x13, "perf"),
  standIn(0x14, "clock"),
  standIn(0x15, "sensor"),
  standIn(0x16, "reset"),
  standIn(0x17, "voltage"),
  standIn(0x18, "powercap"),
  standIn(0x19, "pin"),
  standIn(0x80),
];

const ALL = Object.fromEntries(STAND_INS.map((p) => [p.id, undefined]));

export const VENDOR: VendorInfo = {
  vendor: "vscmi",
  subVendor: "virtual-platform-sim",
  implementationVersion: 0x01020304,
};

function clock(id: number): ClockDesc {
  return {
    id,
    name: `clk${id}`,
    driver: "sim",
    rates: { kind: "list", rates: [24_000_000] },
    rate: 24_000_000,
    enabled: false,
    parents: [],
    latencyUs: 0,
  };
}

function reset(id: number): ResetDesc {
  return { id, name: `rst${id}`, driver: "sim", latencyUs: 0, async: false };
}

/** The board described in the module doc. */
export function board() {
  const b = emptyBoard("base-vectors");
  b.resources.clock = [0, 1, 2, 3, 4, 5].map(clock);
  b.resources.reset = [0, 1, 2].map(reset);
  b.devices = [
    { id: 0, name: "uart0", resources: { clock: [0, 1], reset: [0] } },
    { id: 1, name: "uart1", resources: { clock: [2], reset: [1] } },
    { id: 2, name: "gpu", resources: { clock: [3, 4], reset: [2] } },
    { id: 7, name: "bus", resources: { clock: [1] } },
  ];
  return b;
}

export async function fixture(): Promise<Fixture> {
  const fx = await build({
    board: board(),
    protocols: [baseProtocol, ...STAND_INS],
    vendor: VENDOR,
    agents: [
      { name: "hyp", trusted: true, protocols: ALL, grants: { clock: [5] } },
      {
        name: "vm1",
        protocols: { 0x14: undefined, 0x16: undefined },
        grants: { clock: [0, 1], reset: [0] },
      },
      { name: "one", protocols: { 0x14: undefined } },
      { name: "three", protocols: { 0x11: undefined, 0x14: undefined, 0x80: undefined } },
      {
        name: "five",
        protocols: {
          0x11: undefined,
          0x13: undefined,
          0x14: undefined,
          0x16: undefined,
          0x19: undefined,
        },
      },
      { name: "all8", protocols: ALL, maxMsgSize: 8 },
      { name: "all12", protocols: ALL, maxMsgSize: 12 },
      { name: "legacy", protocols: { 0x10: 0x10000, 0x14: undefined } },
      { name: "v20", protocols: { 0x10: 0x20000 } },
      { name: "nochan", protocols: { 0x12: undefined }, p2a: false },
      { name: "a-very-long-agent-name", protocols: { 0x12: undefined }, maxMsgSize: 4 },
    ],
  });
  (fx.platform.protocols[0x10]!.shared as BaseShared).errors.now = () => 0;
  return fx;
}
