/**
 * Paged replies (CLOCK_DESCRIBE_RATES, CLOCK_POSSIBLE_PARENTS_GET) for agent message sizes
 * from 32 to 4096 bytes, walked the way Linux's iterator does: reassembled lists are exact,
 * counts stay consistent, no reply exceeds the agent's size, every page is as full as it can be.
 */
import type { ClockDesc } from "./kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { AgentSpec, Fixture } from "../../tests/harness.ts";
import { clockFixture } from "../../tests/vectors/clock/fixture.ts";
import { ClockMsg } from "./msg.ts";
import { cmd } from "./_call_test.ts";
import { Status } from "../../core/status.ts";

const SIZES = [32, 36, 40, 44, 52, 64, 100, 104, 128, 256, 1000, 1024, 4096];
const ROOTS = 40;
/** Rate-list lengths of the list clocks after the roots and the mux. */
const LENGTHS = [1, 3, 11, 12, 15, 16, 100, 600];

function rate(i: number, k: number): number {
  return 1_000_000 * (k + 1) + i * 7 + (k % 3) * 1_000_000_000_000;
}

/** 40 root clocks, one mux with all of them as parents, then list clocks of LENGTHS. */
function board(): ClockDesc[] {
  const out: ClockDesc[] = [];
  for (let i = 0; i < ROOTS; i++) {
    out.push({
      id: i,
      name: `root${i}`,
      driver: "sim",
      rates: { kind: "list", rates: [1000 + i] },
      rate: 1000 + i,
      enabled: true,
      parents: [],
      latencyUs: 0,
    });
  }
  out.push({
    id: ROOTS,
    name: "mux",
    driver: "sim",
    rates: { kind: "list", rates: [1000] },
    rate: 1000,
    enabled: false,
    parents: Array.from({ length: ROOTS }, (_, i) => ROOTS - 1 - i),
    parent: ROOTS - 1,
    latencyUs: 0,
  });
  LENGTHS.forEach((n, i) => {
    const rates = Array.from({ length: n }, (_, k) => rate(i, k)).sort((a, b) => a - b);
    out.push({
      id: ROOTS + 1 + i,
      name: `list${n}`,
      driver: "sim",
      rates: { kind: "list", rates },
      rate: rates[0],
      enabled: false,
      parents: [],
      latencyUs: 0,
    });
  });
  return out;
}

const CLOCKS = board();
const ALL = CLOCKS.map((c) => c.id);
/** An agent that sees every clock (virtual = physical) at each size, and one that sees every
 * third root, in reverse physical order. */
const AGENTS: AgentSpec[] = [
  ...SIZES.map((size) => ({
    name: `a${size}`,
    maxMsgSize: size,
    protocols: { 0x14: undefined },
    grants: { clock: ALL },
  })),
  ...SIZES.map((size) => ({
    name: `p${size}`,
    maxMsgSize: size,
    protocols: { 0x14: undefined },
    grants: { clock: [ROOTS, ...ALL.slice(0, ROOTS).filter((i) => i % 3 === 0).reverse()] },
  })),
];

interface Page {
  returned: number;
  remaining: number;
  items: number[];
}

async function ratesPage(fx: Fixture, agent: string, vid: number, index: number): Promise<Page> {
  const r = await cmd(fx, agent, ClockMsg.CLOCK_DESCRIBE_RATES, [vid, index]);
  assertEquals(r.status, Status.SUCCESS);
  const flags = r.words[0];
  assertEquals(flags & 0xf000, 0, "list format, reserved bits 15:13 zero");
  const returned = flags & 0xfff;
  assertEquals(r.bytes.length, 12 + 8 * returned, "reply holds exactly the rates it counts");
  const items: number[] = [];
  for (let i = 0; i < returned; i++) {
    items.push(r.words[1 + 2 * i] + r.words[2 + 2 * i] * 0x1_0000_0000);
  }
  return { returned, remaining: flags >>> 16, items };
}

/** Linux's full enumeration (scmi_iterator_run); checks every page on the way. */
async function walkRates(fx: Fixture, agent: string, size: number, vid: number) {
  const perPage = Math.floor((size - 4) / 8);
  const got: number[] = [];
  let index = 0;
  let total = -1;
  let page: Page;
  do {
    page = await ratesPage(fx, agent, vid, index);
    if (total < 0) total = page.returned + page.remaining;
    assertEquals(index + page.returned + page.remaining, total, "totals stay consistent");
    assert(page.returned <= total - index, "No. of resources can't exceed the total");
    assertEquals(page.returned, Math.min(perPage, total - index), "as many as fit");
    assert(12 + 8 * page.returned <= 8 + size, "never more than the agent's size");
    got.push(...page.items);
    index += page.returned;
  } while (page.returned && page.remaining);
  return got;
}

Deno.test("DESCRIBE_RATES paged at 32–4096 bytes reassembles every list exactly", async () => {
  const fx = await clockFixture(AGENTS, { clocks: CLOCKS });
  for (const size of SIZES) {
    for (let i = 0; i < LENGTHS.length; i++) {
      const d = CLOCKS[ROOTS + 1 + i];
      const want = d.rates.kind === "list" ? d.rates.rates : [];
      assertEquals(await walkRates(fx, `a${size}`, size, d.id), want, `${d.name} at ${size}`);
    }
  }
});

Deno.test("DESCRIBE_RATES lazy probe (index 0, then the last index) gives min and max", async () => {
  const fx = await clockFixture(AGENTS, { clocks: CLOCKS });
  for (const size of SIZES) {
    for (let i = 0; i < LENGTHS.length; i++) {
      const d = CLOCKS[ROOTS + 1 + i];
      if (d.rates.kind !== "list") continue;
      const list = d.rates.rates;
      const first = await ratesPage(fx, `a${size}`, d.id, 0);
      assertEquals(first.returned + first.remaining, list.length);
      assertEquals(first.items[0], list[0]);
      const last = await ratesPage(fx, `a${size}`, d.id, list.length - 1);
      assertEquals(last, { returned: 1, remaining: 0, items: [list[list.length - 1]] });
      const past = await cmd(fx, `a${size}`, ClockMsg.CLOCK_DESCRIBE_RATES, [d.id, list.length]);
      assertEquals(past.status, Status.OUT_OF_RANGE);
    }
  }
});

Deno.test("DESCRIBE_RATES from any index answers the rates from there on", async () => {
  const fx = await clockFixture(AGENTS, { clocks: CLOCKS });
  const d = CLOCKS[ROOTS + LENGTHS.length];
  const list = d.rates.kind === "list" ? d.rates.rates : [];
  for (const index of [1, 17, 299, 598, 599]) {
    const page = await ratesPage(fx, "a128", d.id, index);
    assertEquals(page.items, list.slice(index, index + page.returned));
    assertEquals(page.remaining, list.length - index - page.returned);
  }
});

/** Linux's walk of CLOCK_POSSIBLE_PARENTS_GET; checks every page on the way. */
async function walkParents(fx: Fixture, agent: string, size: number, vid: number) {
  const perPage = Math.floor((size - 4) / 4);
  const got: number[] = [];
  let skip = 0;
  let total = -1;
  let returned: number;
  let remaining: number;
  do {
    const r = await cmd(fx, agent, ClockMsg.CLOCK_POSSIBLE_PARENTS_GET, [vid, skip]);
    assertEquals(r.status, Status.SUCCESS);
    const flags = r.words[0];
    assertEquals(flags & 0x00ffff00, 0, "reserved bits 23:8 zero");
    returned = flags & 0xff;
    remaining = flags >>> 24;
    if (total < 0) total = returned + remaining;
    assertEquals(skip + returned + remaining, total, "totals stay consistent");
    assertEquals(returned, Math.min(perPage, total - skip), "as many as fit");
    assertEquals(r.bytes.length, 12 + 4 * returned);
    assert(r.bytes.length <= 8 + size, "never more than the agent's size");
    got.push(...r.words.slice(1));
    skip += returned;
  } while (returned && remaining);
  return got;
}

Deno.test("POSSIBLE_PARENTS_GET paged at 32–4096 bytes lists every parent in board order", async () => {
  const fx = await clockFixture(AGENTS, { clocks: CLOCKS });
  const want = CLOCKS[ROOTS].parents;
  for (const size of SIZES) {
    assertEquals(await walkParents(fx, `a${size}`, size, ROOTS), want, `at ${size}`);
  }
});

Deno.test("POSSIBLE_PARENTS_GET pages only the parents the agent sees, in its virtual ids", async () => {
  const fx = await clockFixture(AGENTS, { clocks: CLOCKS });
  for (const size of SIZES) {
    const agent = `p${size}`;
    const ids = fx.platform.agent(agent)!.grants.maps.clock;
    const want = CLOCKS[ROOTS].parents.filter((p) => ids.has(p)).map((p) => ids.toVirtual(p));
    assertEquals(want.length, 14);
    assertEquals(await walkParents(fx, agent, size, 0), want, `at ${size}`);
    const past = await cmd(fx, agent, ClockMsg.CLOCK_POSSIBLE_PARENTS_GET, [0, 14]);
    assertEquals(past.status, Status.OUT_OF_RANGE);
  }
});
