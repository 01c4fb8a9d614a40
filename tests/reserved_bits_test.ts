/**
 * Every attributes reply carries only the fields of the version the agent speaks: for every
 * built-in protocol × every version it offers, an agent pinned to that version (as a
 * deployment's `protocols = { power = "2.0" }` pins it) or negotiated down to it walks every
 * resource it sees and finds no reserved bit set (masks in `tests/reserved_bits.ts`). The board
 * varies: the sim board plus the sensors of the e2e sensor board, with async support, level
 * indexing, continuous updates, timestamps and long names switched per resource, and the agent
 * sees a random subset with random rights, with or without a platform→agent channel.
 * @module
 */
import { sensorKind } from "../plugins/sensor/kind.ts";
import { resetKind } from "../plugins/reset/kind.ts";
import { powerKind } from "../plugins/power/kind.ts";
import { voltageKind } from "../plugins/voltage/kind.ts";
import { powercapKind } from "../plugins/powercap/kind.ts";
import { perfKind } from "../plugins/perf/kind.ts";
import { clockKind } from "../plugins/clock/kind.ts";
import fc from "fast-check";
import { assertEquals } from "../core/_assert_test.ts";
import type { Board, ResourceKind } from "../core/board.ts";
import { kindsOf } from "../core/kind.ts";
import { encodeHeader } from "../core/header.ts";
import { loadBoard, simBoardPath } from "../server/manifest/mod.ts";
import { Right } from "../core/protocol.ts";
import { PROTOCOLS } from "../builtins.ts";
import { type AgentSpec, fixture } from "./harness.ts";
import { type Caller, RESERVED_BITS, reservedViolations, SensorReply } from "./reserved_bits.ts";
import { startE2e } from "./e2e/_server.ts";
import { BUILTINS } from "../builtins.ts";

/** The built-in kinds, in the order the built-in protocols list them. */
const RESOURCE_KINDS = kindsOf(PROTOCOLS).map((k) => k.name);

const NEGOTIATE = 0x10;

/** The sim board with the e2e sensor board's sensors (axes, extended attributes) added. */
async function richBoard(): Promise<Board> {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const extra = await loadBoard(
    new URL("./e2e/sensor_board.toml", import.meta.url).pathname,
    BUILTINS,
  );
  const base = Math.max(...sensorKind.of(board).map((s) => s.id)) + 1;
  for (const s of sensorKind.of(extra)) {
    sensorKind.of(board).push({ ...s, id: base + s.id, name: `e2e_${s.name}`, driver: "sim" });
  }
  return board;
}

/** One variation of the board and of the agent's view, from random bits. */
interface Variation {
  /** Per resource (by position in the kind): flips of its optional features. */
  bits: number[];
  /** Pinned in the deployment, or negotiated down from the newest version. */
  how: "pin" | "negotiate";
  p2a: boolean;
}

const variation: fc.Arbitrary<Variation> = fc.record({
  bits: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
  how: fc.constantFrom("pin" as const, "negotiate" as const),
  p2a: fc.boolean(),
});

/** Switches optional features per resource and picks the agent's grants, from `bits`. */
function vary(template: Board, bits: number[]): { board: Board; spec: Omit<AgentSpec, "name"> } {
  const board = structuredClone(template);
  const bit = (i: number, n: number) => ((bits[i % bits.length] >>> n) & 1) === 1;
  const long = (i: number, name: string) => bit(i, 0) ? `${name}_with_a_longer_name` : name;
  resetKind.of(board).forEach((r, i) => (r.async = bit(i, 1), r.name = long(i, r.name)));
  powerKind.of(board).forEach((r, i) => (r.async = bit(i, 1), r.name = long(i, r.name)));
  voltageKind.of(board).forEach((r, i) => (r.async = bit(i, 1), r.name = long(i, r.name)));
  powercapKind.of(board).forEach((r, i) => (r.async = bit(i, 1), r.name = long(i, r.name)));
  perfKind.of(board).forEach((r, i) => (r.levelIndexing = bit(i, 1), r.name = long(i, r.name)));
  clockKind.of(board).forEach((r, i) => (r.name = long(i, r.name)));
  sensorKind.of(board).forEach((r, i) => {
    r.async = bit(i, 1);
    r.continuousUpdate = bit(i, 2);
    r.timestamps = bit(i, 3);
    r.name = long(i, r.name);
  });
  for (const k of ["pin", "group", "function"] as const) {
    board.resources[k].forEach((r, i) => (r.name = long(i, r.name)));
  }
  const grants: { [K in ResourceKind]?: number[] } = {};
  const rights: { [K in ResourceKind]?: number[] } = {};
  RESOURCE_KINDS.forEach((kind, k) => {
    // Keep about three in four resources, in an order of their own, some read-only.
    const ids = board.resources[kind].map((r) => r.id)
      .filter((_, i) => !bit(i + k, 4) || !bit(i + k, 5))
      .sort((a, b) => (bits[(a + k) % 64] & 0xff) - (bits[(b + k) % 64] & 0xff));
    grants[kind] = ids;
    rights[kind] = ids.map((_, i) => bit(i + k, 6) ? Right.READ : Right.READ | Right.WRITE);
  });
  return { board, spec: { grants, rights } };
}

/** Builds the platform for one variation and returns a caller speaking `version`. */
async function agentAt(
  template: Board,
  protocol: number,
  version: number,
  x: Variation,
): Promise<{ call: Caller; grants: Grants }> {
  const { board, spec } = vary(template, x.bits);
  const pin = x.how === "pin" ? version : undefined;
  const fx = await fixture({
    board,
    agents: [{ ...spec, name: "a", protocols: { [protocol]: pin }, p2a: x.p2a }],
  });
  let token = 0;
  const call: Caller = async (p, message, params) => {
    const words = await fx.words("a", [encodeHeader(message, 0, p, token++ & 0x3ff), ...params]);
    return { status: words[1] | 0, words: words.slice(2) };
  };
  if (x.how === "negotiate") {
    assertEquals((await call(protocol, NEGOTIATE, [version])).status, 0, "negotiated");
  }
  assertEquals((await call(protocol, 0x0, [])).words, [version], "speaks the version");
  return { call, grants: spec.grants! };
}

type Grants = { [K in ResourceKind]?: number[] };

/** How many replies of each per-resource kind the walk must read for `grants`. */
function expectedWalk(
  protocol: number,
  version: number,
  grants: Grants,
): Record<string, number> {
  const n = (k: ResourceKind) => grants[k]?.length ?? 0;
  const only = (name: string, count: number): Record<string, number> =>
    count === 0 ? {} : { [name]: count };
  const named = (name: string, kind: ResourceKind, since: number) =>
    only(name, version >= since ? n(kind) : 0);
  switch (protocol) {
    case 0x11:
      return {
        ...only("POWER_DOMAIN_ATTRIBUTES", n("power")),
        ...named("POWER_DOMAIN_NAME_GET", "power", 0x30000),
      };
    case 0x13:
      return {
        ...only("PERF_DOMAIN_ATTRIBUTES", n("perf")),
        ...named("PERF_DOMAIN_NAME_GET", "perf", 0x30000),
      };
    case 0x14:
      return {
        ...only("CLOCK_ATTRIBUTES", n("clock")),
        ...named("CLOCK_NAME_GET", "clock", 0x20000),
        ...named("CLOCK_GET_PERMISSIONS", "clock", 0x30000),
      };
    case 0x15: {
      // Axes: only the e2e board's accelerometer (3 axes) has them, from 2.0 on.
      const accel = sensorKind.of(template).find((s) =>
        s.name === "e2e_accelerometer_of_the_board"
      )!;
      const axes = version >= 0x20000 && grants.sensor!.includes(accel.id) ? 3 : 0;
      return {
        ...only(SensorReply.DESCRIPTOR, n("sensor")),
        ...only(SensorReply.AXIS, axes),
        ...named("SENSOR_NAME_GET", "sensor", 0x30000),
      };
    }
    case 0x16:
      return {
        ...only("RESET_DOMAIN_ATTRIBUTES", n("reset")),
        ...named("RESET_DOMAIN_NAME_GET", "reset", 0x30000),
      };
    case 0x17:
      return {
        ...only("VOLTAGE_DOMAIN_ATTRIBUTES", n("voltage")),
        ...named("VOLTAGE_DOMAIN_NAME_GET", "voltage", 0x20000),
      };
    case 0x18:
      return {
        ...only("POWERCAP_DOMAIN_ATTRIBUTES", n("powercap")),
        ...only("POWERCAP_DOMAIN_NAME_GET", n("powercap")),
      };
    case 0x19: {
      const all = n("pin") + n("group") + n("function");
      return { ...only("PINCTRL_ATTRIBUTES", all), ...only("PINCTRL_NAME_GET", all) };
    }
    default:
      return {};
  }
}

const template = await richBoard();

for (const def of PROTOCOLS) {
  for (const version of def.versions) {
    const name = `${def.name} ${version >>> 16}.${version & 0xffff}`;
    Deno.test(`reserved bits: every attributes reply of ${name} leaves them zero`, async () => {
      await fc.assert(
        fc.asyncProperty(variation, async (x) => {
          const { call, grants } = await agentAt(template, def.id, version, x);
          const { violations, walked } = await reservedViolations(call, def.id, version);
          assertEquals(violations, []);
          assertEquals(walked, expectedWalk(def.id, version, grants), "every resource read");
        }),
        { numRuns: 20 },
      );
    });
  }
}

Deno.test("reserved bits: the table covers every protocol and version the built-ins offer", () => {
  for (const def of PROTOCOLS) {
    assertEquals(
      Object.keys(RESERVED_BITS[def.id] ?? {}).map(Number).sort((a, b) => a - b),
      [...def.versions],
      def.name,
    );
  }
});

Deno.test("reserved bits: an SCMI 2.0 agent pinned in the deployment sees only 2.0 fields", async () => {
  // SCMI 2.0 (DEN0056B) protocol versions: Base 2.0, Power 2.0, System 1.0, Performance 2.0,
  // Clock 1.0, Sensor 1.0, Reset 1.0.
  const pins = { base: 0x20000, power: 0x20000, system: 0x10000, perf: 0x20000, clock: 0x10000 };
  const more = { sensor: 0x10000, reset: 0x10000 };
  const all: Record<string, number> = { ...pins, ...more };
  const text = (n: number) => `"${n >>> 16}.${n & 0xffff}"`;
  await using e2e = await startE2e({
    toml: `board = ${JSON.stringify(simBoardPath())}
[[agent]]
name = "old"
trusted = true
transport = { type = "stream" }
protocols = { ${Object.entries(all).map(([p, n]) => `${p} = ${text(n)}`).join(", ")} }
devices = ${JSON.stringify(template.devices.map((d) => d.name))}
`,
  });
  const client = await e2e.connect("old");
  const call: Caller = async (p, message, params) => {
    const r = await e2e.request(client, p, message, params);
    const words: number[] = [];
    while (r.payload.remaining >= 4) words.push(r.payload.u32());
    return { status: r.status, words };
  };
  for (const [protocol, version] of Object.entries(all)) {
    const id = PROTOCOLS.find((d) => d.name === protocol)!.id;
    assertEquals((await call(id, 0x0, [])).words, [version], `${protocol} speaks ${version}`);
    assertEquals((await reservedViolations(call, id, version)).violations, [], protocol);
  }
});
