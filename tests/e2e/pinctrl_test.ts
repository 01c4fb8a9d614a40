/**
 * End to end, Pin control protocol (0x19) over the stream transport: the probe walk Linux's
 * `pinctrl.c` makes (version, attributes, PINCTRL_ATTRIBUTES of every pin, group and function,
 * PINCTRL_LIST_ASSOCIATIONS pages), checked against the board manifest and the agents'
 * grants; settings read in pages and written (configurations, functions) with their errors;
 * claims between agents sharing pins, released when a connection closes; permissions given
 * by a trusted agent; and `vscmi call pinctrl` against the running server. The protocol has
 * no notifications and no asynchronous commands.
 *
 * Layouts (DEN0056E §4.11; `shared/reference/scmi.md` §2.11): PROTOCOL_ATTRIBUTES u32 (31:16
 * groups, 15:0 pins), u32 (15:0 functions); PINCTRL_ATTRIBUTES a2p id, flags (1:0 selector)
 * p2a u32 attributes (31 extended name, 17 GPIO, 16 pin-only, 15:0 elements), name[16];
 * LIST_ASSOCIATIONS a2p id, flags, index p2a u32 (31:16 remaining, 11:0 returned), u16 ids;
 * SETTINGS_GET a2p id, attributes (19:18 flag, 17:16 selector, 15:8 skip, 7:0 type) p2a
 * function, u32 (31:24 remaining, 7:0 returned), pairs; SETTINGS_CONFIGURE a2p id, function,
 * attributes (10 function valid, 9:2 count, 1:0 selector), pairs.
 * @module
 */
import { functionKind, groupKind, pinKind } from "../../plugins/pinctrl/kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { PinctrlHw } from "../../plugins/pinctrl/hw.ts";
import type { ResourceKind } from "../../core/board.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { type E2e, simBoardPath, startE2e } from "./_server.ts";

const PINCTRL = 0x19;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  PINCTRL_ATTRIBUTES: 0x3,
  LIST_ASSOCIATIONS: 0x4,
  SETTINGS_GET: 0x5,
  SETTINGS_CONFIGURE: 0x6,
  REQUEST: 0x7,
  RELEASE: 0x8,
  NAME_GET: 0x9,
  SET_PERMISSIONS: 0xa,
} as const;
const PIN = 0;
const GROUP = 1;
const FUNCTION = 2;
const NONE = 0xffff_ffff;
/** SETTINGS_GET attributes: flag (19:18), selector (17:16), skip (15:8), type (7:0). */
const get = (flag: number, sel: number, skip = 0, type = 0) =>
  (flag << 18) | (sel << 16) | (skip << 8) | type;
/** SETTINGS_CONFIGURE attributes: selector, count (9:2), function valid (10). */
const conf = (sel: number, count: number, fn = false) => sel | (count << 2) | (fn ? 0x400 : 0);

/**
 * vm1 and vm2 share pa0, pa1 and uart0_pins (vm2 lists the pins the other way round); the
 * trusted host sees pb0 alone and gives it away.
 *
 *   resource         phys  vm1  vm2  host
 *   pa0 / pa1        0/1   0/1  1/0  -
 *   pb6 / pb7        14/15 2/3  -    -
 *   pb0              8     -    -    0
 *   uart0_pins       0     0    0    -
 *   uart0_alt_pins   7     1    -    -
 *   uart0 (fn)       0     0    0    -
 */
const SHARED = `board = ${JSON.stringify(simBoardPath())}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["pinctrl"]
pins = ["pa0", "pa1", "pb6", "pb7"]
groups = ["uart0_pins", "uart0_alt_pins"]
functions = ["uart0"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["pinctrl"]
pins = ["pa1", "pa0"]
groups = ["uart0_pins"]
functions = ["uart0"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = ["pinctrl"]
pins = ["pb0"]
`;

function grants(e2e: E2e, agent: string, kind: ResourceKind): number[] {
  return e2e.dep.agents.find((a) => a.name === agent)!.grants[kind] ?? [];
}

function hw(e2e: E2e, phys: number): PinctrlHw {
  return pinKind.hwOf(e2e.server.platform.env.hw)[phys] as PinctrlHw;
}

/** The walk of Linux's pinctrl protocol init and its lazy group/function reads. */
async function walk(e2e: E2e, c: ScmiClient, agent: string): Promise<void> {
  const board = e2e.dep.board;
  const pins = grants(e2e, agent, "pin");
  const groups = grants(e2e, agent, "group");
  const fns = grants(e2e, agent, "function");
  assertEquals((await e2e.ok(c, PINCTRL, Msg.VERSION)).u32(), 0x10000);
  const a = await e2e.ok(c, PINCTRL, Msg.ATTRIBUTES);
  assertEquals([a.u32(), a.u32()], [(groups.length << 16) | pins.length, fns.length]);
  const check = async (sel: number, vid: number, name: string, elements: number, bits = 0) => {
    const p = await e2e.ok(c, PINCTRL, Msg.PINCTRL_ATTRIBUTES, [vid, sel]);
    assertEquals([p.u32(), p.name(16)], [(bits | elements) >>> 0, name], name);
    const n = await e2e.ok(c, PINCTRL, Msg.NAME_GET, [vid, sel]);
    assertEquals([n.u32(), n.name(64)], [0, name]);
  };
  /** Every page of LIST_ASSOCIATIONS, as the agent's ids. */
  const members = async (sel: number, vid: number): Promise<number[]> => {
    const out: number[] = [];
    for (;;) {
      const p = await e2e.ok(c, PINCTRL, Msg.LIST_ASSOCIATIONS, [vid, sel, out.length]);
      const flags = p.u32();
      const ids = p.take(2 * (flags & 0xfff));
      for (let i = 0; i < ids.length; i += 2) out.push(ids[i] | (ids[i + 1] << 8));
      if (flags >>> 16 === 0) return out;
    }
  };
  for (let vid = 0; vid < pins.length; vid++) {
    await check(PIN, vid, pinKind.of(board).find((p) => p.id === pins[vid])!.name, 1);
  }
  for (let vid = 0; vid < groups.length; vid++) {
    const g = groupKind.of(board).find((x) => x.id === groups[vid])!;
    // The pins the agent sees, in the group's order, as its own ids.
    const want = g.pins.map((p) => pins.indexOf(p)).filter((v) => v >= 0);
    await check(GROUP, vid, g.name, want.length);
    assertEquals(await members(GROUP, vid), want, g.name);
  }
  for (let vid = 0; vid < fns.length; vid++) {
    const f = functionKind.of(board).find((x) => x.id === fns[vid])!;
    const pinOnly = (f.pins?.length ?? 0) > 0;
    const want = (pinOnly
      ? f.pins!.map((p) => pins.indexOf(p))
      : f.groups.map((g) => groups.indexOf(g)))
      .filter((v) => v >= 0);
    await check(
      FUNCTION,
      vid,
      f.name,
      want.length,
      (f.gpio ? 0x2_0000 : 0) | (pinOnly ? 0x1_0000 : 0),
    );
    assertEquals(await members(FUNCTION, vid), want, f.name);
  }
  assertEquals(
    await e2e.status(c, PINCTRL, Msg.PINCTRL_ATTRIBUTES, [pins.length, PIN]),
    Status.NOT_FOUND,
  );
  assertEquals(
    await e2e.status(c, PINCTRL, Msg.LIST_ASSOCIATIONS, [0, PIN, 0]),
    Status.INVALID_PARAMETERS,
    "a pin has no associations",
  );
}

Deno.test("e2e pinctrl: the Linux probe walk of vm1 and vm2 matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  const names = (agent: string, kind: "pin" | "group" | "function") =>
    grants(e2e, agent, kind).map((p) =>
      e2e.dep.board.resources[kind].find((x) => x.id === p)!.name
    );
  // By hand from examples/sim/vscmi.toml: vm1's uart0, i2c0 and spi0; vm2's uart1 and gpio.
  assertEquals(names("vm1", "pin"), ["pa0", "pa1", "pa6", "pa7", "pb0", "pb1", "pb2", "pb3"]);
  assertEquals(names("vm1", "group"), ["uart0_pins", "i2c0_pins", "spi0_pins"]);
  assertEquals(names("vm2", "function"), ["uart1", "pwm0", "gpio"]);
  await walk(e2e, await e2e.connect("vm1"), "vm1");
  await walk(e2e, await e2e.connect("vm2"), "vm2");
  // The host is not granted the protocol.
  const host = await e2e.connect("host");
  assertEquals(await e2e.status(host, PINCTRL, Msg.VERSION), Status.NOT_SUPPORTED);
});

Deno.test("e2e pinctrl: a function the agent sees only partly lists what it sees", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  await walk(e2e, await e2e.connect("vm1"), "vm1");
  await walk(e2e, await e2e.connect("vm2"), "vm2");
});

Deno.test("e2e pinctrl: SETTINGS_GET pages every configuration; one type; the function alone", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  // pa0: the 20 standard types, all 0 at power-on, no function: 15 pairs fit 128 bytes.
  const first = await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(1, PIN)]);
  assertEquals([first.u32(), first.u32()], [NONE, 15 | (5 << 24)]);
  const pairs: number[][] = [];
  for (let i = 0; i < 15; i++) pairs.push([first.u32(), first.u32()]);
  const rest = await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(1, PIN, 15)]);
  assertEquals([rest.u32(), rest.u32()], [NONE, 5]);
  for (let i = 0; i < 5; i++) pairs.push([rest.u32(), rest.u32()]);
  assertEquals(pairs, Array.from({ length: 20 }, (_, i) => [i + 1, 0]));
  assertEquals(
    await e2e.status(c, PINCTRL, Msg.SETTINGS_GET, [0, get(1, PIN, 21)]),
    Status.INVALID_PARAMETERS,
    "skip past the count",
  );
  const one = await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(0, PIN, 0, 10)]);
  assertEquals([one.u32(), one.u32(), one.u32(), one.u32()], [NONE, 1, 10, 0]);
  const fn = await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(2, PIN)]);
  assertEquals([fn.u32(), fn.u32(), fn.remaining], [NONE, 0, 0]);
  for (const bad of [get(3, PIN), get(1, FUNCTION), get(0, PIN, 0, 30), 1 << 20]) {
    assertEquals(
      await e2e.status(c, PINCTRL, Msg.SETTINGS_GET, [0, bad]),
      Status.INVALID_PARAMETERS,
      `attributes 0x${bad.toString(16)}`,
    );
  }
});

Deno.test("e2e pinctrl: SETTINGS_CONFIGURE writes configurations and selects functions", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  const cfg = (p: number[]) => e2e.status(c, PINCTRL, Msg.SETTINGS_CONFIGURE, p);
  // pa0 (phys 0): bias-pull-up 1, drive-strength 8.
  assertEquals(await cfg([0, NONE, conf(PIN, 2), 4, 1, 10, 8]), Status.SUCCESS);
  assertEquals([hw(e2e, 0).getConfig("pin", 0, 4), hw(e2e, 0).getConfig("pin", 0, 10)], [1, 8]);
  const one = await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(0, PIN, 0, 4)]);
  assertEquals([one.u32(), one.u32(), one.u32(), one.u32()], [NONE, 1, 4, 1]);

  // uart0 (vm1 function 0) on uart0_pins (group 0): both pins carry it.
  assertEquals(await cfg([0, 0, conf(GROUP, 0, true)]), Status.SUCCESS);
  assertEquals([hw(e2e, 0).getFunction("pin", 0), hw(e2e, 1).getFunction("pin", 1)], [0, 0]);
  assertEquals((await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(2, GROUP)])).u32(), 0);
  // Deselect with function_id 0xFFFFFFFF and the valid bit.
  assertEquals(await cfg([0, NONE, conf(GROUP, 0, true)]), Status.SUCCESS);
  assertEquals((await e2e.ok(c, PINCTRL, Msg.SETTINGS_GET, [0, get(2, GROUP)])).u32(), NONE);

  assertEquals(await cfg([0, 1, conf(GROUP, 0, true)]), Status.INVALID_PARAMETERS, "i2c0 misfits");
  assertEquals(await cfg([0, NONE, conf(PIN, 1), 30, 1]), Status.INVALID_PARAMETERS, "type 30");
  assertEquals(await cfg([0, NONE, conf(PIN, 1), 12, 2]), Status.INVALID_PARAMETERS, "input 2");
  assertEquals(await cfg([0, NONE, conf(FUNCTION, 0)]), Status.INVALID_PARAMETERS, "function");
  assertEquals(await cfg([0, NONE, conf(PIN, 2), 4, 1]), Status.PROTOCOL_ERROR, "1 pair, not 2");
  assertEquals(await cfg([8, NONE, conf(PIN, 1), 4, 1]), Status.NOT_FOUND);
  assertEquals(hw(e2e, 0).getConfig("pin", 0, 12), 0, "nothing applied from refused requests");
});

Deno.test("e2e pinctrl: REQUEST claims between agents; a disconnect releases; SET_PERMISSIONS", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  assertEquals(await e2e.status(vm1, PINCTRL, Msg.REQUEST, [0, PIN]), Status.SUCCESS);
  // vm2 knows pa0 as its pin 1; the group holds it too.
  assertEquals(await e2e.status(vm2, PINCTRL, Msg.REQUEST, [1, PIN]), Status.IN_USE);
  assertEquals(await e2e.status(vm2, PINCTRL, Msg.REQUEST, [0, GROUP]), Status.IN_USE);
  assertEquals(
    await e2e.status(vm2, PINCTRL, Msg.SETTINGS_CONFIGURE, [1, NONE, conf(PIN, 1), 4, 1]),
    Status.DENIED,
  );
  assertEquals(await e2e.status(vm2, PINCTRL, Msg.REQUEST, [0, PIN]), Status.SUCCESS, "pa1 free");
  assertEquals(await e2e.status(vm1, PINCTRL, Msg.RELEASE, [0, PIN]), Status.SUCCESS);
  assertEquals(await e2e.status(vm2, PINCTRL, Msg.REQUEST, [1, PIN]), Status.SUCCESS);
  assertEquals(await e2e.status(vm1, PINCTRL, Msg.REQUEST, [0, PIN]), Status.IN_USE);
  await e2e.disconnect(vm2);
  assertEquals(await e2e.status(vm1, PINCTRL, Msg.REQUEST, [0, GROUP]), Status.SUCCESS);

  // The host gives vm1 its pb0 (host id 0): vm1 sees a fifth pin, at id 4.
  assertEquals(
    await e2e.status(vm1, PINCTRL, Msg.SET_PERMISSIONS, [1, 0, PIN | 0x4]),
    Status.DENIED,
  );
  assertEquals(
    await e2e.status(host, PINCTRL, Msg.SET_PERMISSIONS, [1, 0, PIN | 0x4]),
    Status.SUCCESS,
  );
  assertEquals((await e2e.ok(vm1, PINCTRL, Msg.ATTRIBUTES)).u32() & 0xffff, 5);
  const pb0 = await e2e.ok(vm1, PINCTRL, Msg.PINCTRL_ATTRIBUTES, [4, PIN]);
  assertEquals([pb0.u32(), pb0.name(16)], [1, "pb0"]);
  assertEquals(await e2e.status(host, PINCTRL, Msg.SET_PERMISSIONS, [1, 0, PIN]), Status.SUCCESS);
  assertEquals(await e2e.status(vm1, PINCTRL, Msg.PINCTRL_ATTRIBUTES, [4, PIN]), Status.NOT_FOUND);
});

Deno.test("e2e pinctrl: vscmi call pinctrl list / info / associations / settings / configure", async () => {
  await using e2e = await startE2e();
  const list = await e2e.cli("vm2", "pinctrl", "list", "groups");
  assertEquals(list.lines[0], "8 pins, 4 groups, 3 functions");
  assert(
    list.lines.some((l) => /^ {2}3\s+gpio_b_pins\s+pb4,pb5,pb6,pb7$/.test(l)),
    list.lines.join("\n"),
  );
  const info = await e2e.cli("vm2", "--json", "pinctrl", "info", "function", "gpio");
  assertEquals(JSON.parse(info.lines[0]).members, [3]);
  assertEquals((await e2e.cli("vm1", "pinctrl", "associations", "group", "spi0_pins")).lines, [
    "pb0 (4)",
    "pb1 (5)",
    "pb2 (6)",
    "pb3 (7)",
  ]);
  assertEquals(
    (await e2e.cli(
      "vm1",
      "pinctrl",
      "configure",
      "group",
      "spi0_pins",
      "drive-strength=4",
      "--function",
      "spi0",
    ))
      .lines,
    ["ok"],
  );
  // Configuration and function stay after the connection closes (no claim was held).
  const s = await e2e.cli("vm1", "--json", "pinctrl", "settings", "pin", "pb2");
  const json = JSON.parse(s.lines[0]) as {
    function: number;
    configs: { name: string; value: number }[];
  };
  assertEquals(json.function, 2);
  assertEquals(json.configs.find((x) => x.name === "drive-strength")?.value, 4);
  assertEquals(json.configs.length, 20);
  assertEquals((await e2e.cli("vm1", "pinctrl", "request", "pin", "pa0")).lines, ["ok"]);
  await assertRejects(
    () => e2e.cli("vm1", "pinctrl", "configure", "pin", "pa0", "input-mode=2"),
    Error,
    "PINCTRL_SETTINGS_CONFIGURE answered INVALID_PARAMETERS",
  );
});
