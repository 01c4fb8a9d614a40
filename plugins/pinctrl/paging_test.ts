/**
 * Paged replies (PINCTRL_LIST_ASSOCIATIONS, PINCTRL_SETTINGS_GET for every configuration)
 * at agent message sizes from 32 to 4096 bytes, walked the way Linux's iterator does:
 * reassembled lists are exact, counts stay consistent, no reply exceeds the agent's size,
 * every page is as full as it can be. Then Linux's whole discovery of pins, groups and
 * functions at each size.
 */
import { functionKind, groupKind, pinKind } from "./kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import { PinConfig } from "./hw.ts";
import { Status } from "../../core/status.ts";
import { type AgentSpec, type Fixture, fixture } from "../../tests/harness.ts";
import { cmd, u16s } from "./_call_test.ts";
import { PinctrlMsg } from "./msg.ts";

const SIZES = [32, 36, 40, 44, 52, 64, 72, 100, 104, 128, 256, 1000, 1024, 4096];
const PINS = 300;
const OEM = Array.from({ length: 64 }, (_, i) => 192 + i);
const GROUP = 1;
const FUNCTION = 2;

function pinName(i: number): string {
  return i % 50 === 7 ? `pin${i}_with_a_name_longer_than_fifteen` : `pin${i}`;
}

/**
 * 300 pins; pins 0 and 1 have the 64 OEM types (value 3 × type) and drive strength 5.
 * Groups: 0 `oem` = pins 0, 1; 1 `even` = the 150 even pins; 2–41 `pair1`…`pair40` = pins
 * 2k, 2k + 1. Functions: 0 `gpio` (pin-only, all pins), 1 `wide` (groups 2–41), 2 `evens`.
 */
function board(): Board {
  const b = emptyBoard("pinctrl-paging");
  const oem: Record<number, number> = { [PinConfig.DRIVE_STRENGTH]: 5 };
  for (const t of OEM) oem[t] = 3 * t;
  b.resources.pin = Array.from({ length: PINS }, (_, i) => ({
    id: i,
    name: pinName(i),
    driver: "sim",
    ...(i < 2 ? { config: oem } : {}),
  }));
  const evens = Array.from({ length: PINS / 2 }, (_, i) => 2 * i);
  groupKind.of(b).push(
    { id: 0, name: "oem", driver: "sim", pins: [0, 1] },
    { id: 1, name: "even", driver: "sim", pins: evens },
    ...Array.from({ length: 40 }, (_, k) => ({
      id: k + 2,
      name: `pair${k + 1}`,
      driver: "sim",
      pins: [2 * (k + 1), 2 * (k + 1) + 1],
    })),
  );
  functionKind.of(b).push(
    {
      id: 0,
      name: "gpio",
      driver: "sim",
      groups: [],
      pins: Array.from({ length: PINS }, (_, i) => i),
      gpio: true,
    },
    { id: 1, name: "wide", driver: "sim", groups: Array.from({ length: 40 }, (_, k) => k + 2) },
    { id: 2, name: "evens", driver: "sim", groups: [1] },
  );
  return b;
}

const BOARD = board();
const ALL_PINS = pinKind.of(BOARD).map((p) => p.id);
const ALL_GROUPS = groupKind.of(BOARD).map((g) => g.id);
const ALL_FUNCTIONS = functionKind.of(BOARD).map((f) => f.id);

/** Per size: `a` sees everything by physical ids; `p` every third pin and all groups and
 * functions, each in reverse order. */
const AGENTS: AgentSpec[] = SIZES.flatMap((size) => [
  {
    name: `a${size}`,
    maxMsgSize: size,
    protocols: { 0x19: undefined },
    grants: { pin: ALL_PINS, group: ALL_GROUPS, function: ALL_FUNCTIONS },
  },
  {
    name: `p${size}`,
    maxMsgSize: size,
    protocols: { 0x19: undefined },
    grants: {
      pin: ALL_PINS.filter((p) => p % 3 === 0).reverse(),
      group: [...ALL_GROUPS].reverse(),
      function: [...ALL_FUNCTIONS].reverse(),
    },
  },
]);

function build(): Promise<Fixture> {
  return fixture({ board: board(), agents: AGENTS });
}

/** Linux's walk of PINCTRL_LIST_ASSOCIATIONS; checks every page on the way. */
async function walkAssociations(
  fx: Fixture,
  agent: string,
  size: number,
  id: number,
  selector: number,
): Promise<number[]> {
  const perPage = Math.floor((size - 4) / 4) * 2;
  const got: number[] = [];
  let index = 0;
  let total = -1;
  let returned: number;
  let remaining: number;
  do {
    const r = await cmd(fx, agent, PinctrlMsg.PINCTRL_LIST_ASSOCIATIONS, [id, selector, index]);
    assertEquals(r.status, Status.SUCCESS);
    const flags = r.words[0];
    assertEquals(flags & 0xf000, 0, "reserved bits 15:12 zero");
    returned = flags & 0xfff;
    remaining = flags >>> 16;
    if (total < 0) total = returned + remaining;
    assertEquals(index + returned + remaining, total, "totals stay consistent");
    assertEquals(returned, Math.min(perPage, total - index), "as many as fit");
    assertEquals(r.bytes.length, 12 + 4 * Math.ceil(returned / 2), "ids padded to a word");
    assert(r.bytes.length <= 8 + size, "never more than the agent's size");
    if (returned % 2 === 1) assertEquals(r.bytes.at(-1), 0, "zero padding");
    got.push(...u16s(r, returned));
    index += returned;
  } while (returned && remaining);
  return got;
}

/** Linux's walk of PINCTRL_SETTINGS_GET for every configuration; checks every page. */
async function walkConfigs(
  fx: Fixture,
  agent: string,
  size: number,
  id: number,
  selector: number,
): Promise<[number, number][]> {
  const perPage = Math.floor((size - 8) / 8);
  const got: [number, number][] = [];
  let skip = 0;
  let total = -1;
  let returned: number;
  let remaining: number;
  do {
    const attrs = (1 << 18) | (selector << 16) | (skip << 8);
    const r = await cmd(fx, agent, PinctrlMsg.PINCTRL_SETTINGS_GET, [id, attrs]);
    assertEquals(r.status, Status.SUCCESS);
    const num = r.words[1];
    assertEquals(num & 0x00ffff00, 0, "reserved bits 23:8 zero");
    returned = num & 0xff;
    remaining = num >>> 24;
    if (total < 0) total = returned + remaining;
    assertEquals(skip + returned + remaining, total, "totals stay consistent");
    assertEquals(returned, Math.min(perPage, total - skip), "as many as fit");
    assertEquals(r.bytes.length, 16 + 8 * returned);
    assert(r.bytes.length <= 8 + size, "never more than the agent's size");
    for (let i = 0; i < returned; i++) got.push([r.words[2 + 2 * i], r.words[3 + 2 * i]]);
    skip += returned;
  } while (returned && remaining);
  return got;
}

/** Every configuration of pins 0 and 1 (and of group `oem`), ascending. */
const OEM_PIN_CONFIGS: [number, number][] = [
  ...Array.from({ length: 20 }, (_, i): [number, number] => [i + 1, i + 1 === 10 ? 5 : 0]),
  ...OEM.map((t): [number, number] => [t, 3 * t]),
];

Deno.test("LIST_ASSOCIATIONS paged at 32–4096 bytes reassembles every list exactly", async () => {
  const fx = await build();
  const evens = groupKind.of(BOARD)[1].pins;
  for (const size of SIZES) {
    const a = `a${size}`;
    assertEquals(await walkAssociations(fx, a, size, 1, GROUP), evens, `even at ${size}`);
    assertEquals(await walkAssociations(fx, a, size, 0, FUNCTION), ALL_PINS, `gpio at ${size}`);
    const wide = functionKind.of(BOARD)[1].groups;
    assertEquals(await walkAssociations(fx, a, size, 1, FUNCTION), wide, `wide at ${size}`);
  }
});

Deno.test("LIST_ASSOCIATIONS pages only what the agent sees, in its virtual ids", async () => {
  const fx = await build();
  for (const size of SIZES) {
    const name = `p${size}`;
    const maps = fx.platform.agent(name)!.grants.maps;
    const view = (ids: number[], kind: "pin" | "group") =>
      ids.filter((p) => maps[kind].has(p)).map((p) => maps[kind].toVirtual(p));
    const even = maps.group.toVirtual(1);
    const gpio = maps.function.toVirtual(0);
    const wide = maps.function.toVirtual(1);
    const evens = view(groupKind.of(BOARD)[1].pins, "pin");
    assertEquals(evens.length, 50);
    assertEquals(await walkAssociations(fx, name, size, even, GROUP), evens, `even at ${size}`);
    const pins = view(ALL_PINS, "pin");
    assertEquals(await walkAssociations(fx, name, size, gpio, FUNCTION), pins, `gpio at ${size}`);
    const groups = view(functionKind.of(BOARD)[1].groups, "group");
    assertEquals(await walkAssociations(fx, name, size, wide, FUNCTION), groups, `wide ${size}`);
  }
});

Deno.test("SETTINGS_GET of every configuration paged at 32–4096 bytes is exact", async () => {
  const fx = await build();
  const standard = OEM_PIN_CONFIGS.slice(0, 20).map(([t]): [number, number] => [t, 0]);
  for (const size of SIZES) {
    const a = `a${size}`;
    assertEquals(await walkConfigs(fx, a, size, 1, 0), OEM_PIN_CONFIGS, `pin 1 at ${size}`);
    assertEquals(await walkConfigs(fx, a, size, 0, 1), OEM_PIN_CONFIGS, `oem at ${size}`);
    // Group `even` has the 20 standard types and reads as its first pin, pin 0.
    const first = OEM_PIN_CONFIGS.slice(0, 20);
    assertEquals(await walkConfigs(fx, a, size, 1, 1), first, `even at ${size}`);
    assertEquals(await walkConfigs(fx, a, size, 2, 0), standard, `pin 2 at ${size}`);
  }
});

Deno.test("SETTINGS_GET from any skip answers the configurations from there on", async () => {
  const fx = await build();
  for (const skip of [1, 17, 20, 63, 83]) {
    const r = await cmd(fx, "a128", PinctrlMsg.PINCTRL_SETTINGS_GET, [0, (1 << 18) | (skip << 8)]);
    assertEquals(r.status, Status.SUCCESS);
    const returned = r.words[1] & 0xff;
    assertEquals(r.words[1] >>> 24, 84 - skip - returned);
    const pairs = Array.from(
      { length: returned },
      (_, i) => [r.words[2 + 2 * i], r.words[3 + 2 * i]],
    );
    assertEquals(pairs, OEM_PIN_CONFIGS.slice(skip, skip + returned));
  }
  const past = await cmd(fx, "a128", PinctrlMsg.PINCTRL_SETTINGS_GET, [0, (1 << 18) | (85 << 8)]);
  assertEquals(past.status, Status.INVALID_PARAMETERS);
});

/** What Linux's pinctrl-scmi learns at probe: names, group pins, function groups. */
async function probe(fx: Fixture, agent: string, size: number) {
  const attrs = await cmd(fx, agent, 0x1, []);
  assertEquals(attrs.status, Status.SUCCESS);
  const nPins = attrs.words[0] & 0xffff;
  const nGroups = attrs.words[0] >>> 16;
  const nFunctions = attrs.words[1] & 0xffff;
  const name = async (id: number, selector: number) => {
    const r = await cmd(fx, agent, PinctrlMsg.PINCTRL_ATTRIBUTES, [id, selector]);
    assertEquals(r.status, Status.SUCCESS);
    const bytes = r.bytes.subarray(12, 28);
    let s = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
    if ((r.words[0] & 0x8000_0000) !== 0) {
      const ext = await cmd(fx, agent, PinctrlMsg.PINCTRL_NAME_GET, [id, selector]);
      if (size < 68) {
        // flags + name[64] do not fit: Linux keeps the short name.
        assertEquals(ext.status, Status.COMMS_ERROR);
      } else {
        assertEquals(ext.status, Status.SUCCESS);
        const full = ext.bytes.subarray(12, 76);
        s = new TextDecoder().decode(full.subarray(0, full.indexOf(0)));
      }
    }
    return { name: s, elements: r.words[0] & 0xffff };
  };
  const pins: string[] = [];
  for (let i = 0; i < nPins; i++) pins.push((await name(i, 0)).name);
  const groups: [string, string[]][] = [];
  for (let i = 0; i < nGroups; i++) {
    const g = await name(i, GROUP);
    const members = await walkAssociations(fx, agent, size, i, GROUP);
    assertEquals(members.length, g.elements, "elements match the list");
    groups.push([g.name, members.map((p) => pins[p])]);
  }
  const functions: [string, string[]][] = [];
  for (let i = 0; i < nFunctions; i++) {
    const f = await name(i, FUNCTION);
    const r = await cmd(fx, agent, PinctrlMsg.PINCTRL_ATTRIBUTES, [i, FUNCTION]);
    const pinOnly = (r.words[0] & 0x1_0000) !== 0;
    const members = await walkAssociations(fx, agent, size, i, FUNCTION);
    assertEquals(members.length, f.elements);
    functions.push([f.name, members.map((m) => pinOnly ? pins[m] : groups[m][0])]);
  }
  return { pins, groups, functions };
}

Deno.test("Linux's discovery at 32–4096 bytes finds the board as the agent sees it", async () => {
  const fx = await build();
  const names = (ids: readonly number[]) => ids.map((p) => pinName(p));
  const want = {
    pins: pinKind.of(BOARD).map((p) => p.name),
    groups: groupKind.of(BOARD).map((g): [string, string[]] => [g.name, names(g.pins)]),
    functions: functionKind.of(BOARD).map((f): [string, string[]] => [
      f.name,
      f.pins?.length ? names(f.pins) : f.groups.map((g) => groupKind.of(BOARD)[g].name),
    ]),
  };
  for (const size of [72, 128, 4096]) assertEquals(await probe(fx, `a${size}`, size), want);
  const short = (n: string) => n.slice(0, 15);
  const small = await probe(fx, "a32", 32);
  assertEquals(small.pins, want.pins.map(short), "short names below 68 bytes");
  assertEquals(small.groups, want.groups.map(([g, p]) => [g, p.map(short)]));
  const seen = await probe(fx, "p104", 104);
  assertEquals(seen.pins, ALL_PINS.filter((p) => p % 3 === 0).reverse().map(pinName));
  assertEquals(seen.groups[groupKind.of(BOARD).length - 1], ["oem", ["pin0"]]);
  assertEquals(seen.functions.map(([f]) => f), ["evens", "wide", "gpio"]);
});
