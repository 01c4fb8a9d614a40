/**
 * The control commands on an in-process platform (the sim board, no sockets): grants and
 * revocations as the agent then sees them over SCMI, votes released, conflicts refused.
 * Expected SCMI words come from the clock layouts (DEN0056 §4.6): header = message_id |
 * protocol << 10; PROTOCOL_ATTRIBUTES p2a = status, num_clocks (15:0) | max_async (23:16);
 * CLOCK_CONFIG_SET a2p = clock_id, attributes (bit 0 enable), oem_config_val.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { Agent } from "../../core/agent.ts";
import { loadBoard, simBoardPath } from "../manifest/mod.ts";
import { Status } from "../../core/status.ts";
import { fixture } from "../../tests/harness.ts";
import {
  type ControlHost,
  execute,
  type GrantResult,
  type RemoveResult,
  type ServedProtocol,
} from "./commands.ts";
import type { AgentInfo, ResourceInfo } from "./inspect.ts";
import { ControlError, type RequestInput, requestSchema } from "./protocol.ts";
import { BUILTINS } from "../../builtins.ts";

const CLOCK_PROTOCOL_ATTRIBUTES = 0x14 << 10 | 0x1;
const CLOCK_CONFIG_SET = 0x14 << 10 | 0x7;
const NOT_FOUND = Status.NOT_FOUND >>> 0;
const DENIED = Status.DENIED >>> 0;

async function setup() {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  // vm1: uart0_clk (13), apb_clk (12); vm2: uart1_clk (14), apb_clk (12).
  const fx = await fixture({
    board,
    agents: [
      { name: "vm1", protocols: { 0x14: undefined }, grants: { clock: [13, 12] } },
      { name: "vm2", protocols: { 0x14: undefined }, grants: { clock: [14, 12] } },
      { name: "host", trusted: true },
    ],
  });
  const removed: Agent[] = [];
  const host: ControlHost = {
    platform: fx.platform,
    endpoint: (a) => a.name === "vm1" ? { type: "stream", address: "unix:/x/vm1.sock" } : undefined,
    addAgents: () => Promise.reject(new Error("not in this test")),
    removeAgent(a) {
      removed.push(a);
      fx.platform.removeAgent(a);
      return Promise.resolve();
    },
  };
  const run = (req: RequestInput) => execute(host, requestSchema.parse(req));
  return { fx, host, run, removed };
}

Deno.test("agents → every agent with sessions, transport, resources and its votes", async () => {
  const { fx, run } = await setup();
  assertEquals(await fx.words("vm1", [CLOCK_CONFIG_SET, 0, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  const { agents } = await run({ cmd: "agents" }) as { agents: AgentInfo[] };
  assertEquals(agents.map((a) => [a.id, a.name, a.trusted, a.sessions]), [
    [1, "vm1", false, 1],
    [2, "vm2", false, 1],
    [3, "host", true, 1],
  ]);
  assertEquals(agents[0].transport, { type: "stream", address: "unix:/x/vm1.sock" });
  assertEquals(agents[1].transport, null);
  assertEquals(agents[0].resources, { clock: 2 });
  assertEquals(agents[0].votes, [
    { store: "clock.enable", kind: "clock", id: 13, value: true, name: "uart0_clk" },
  ]);
  assertEquals(agents[1].votes, []);
  const clock = agents[0].protocols.find((p) => p.id === 0x14)!;
  assertEquals([clock.name, clock.version, clock.negotiated], ["clock", "3.0", ["3.0"]]);
});

Deno.test("grant a device → its resources appended as new virtual ids, vm2 sees them", async () => {
  const { fx, run } = await setup();
  // Device "usb" (4): usb_ref_clk (17), usb_bus_clk (18), ahb_clk (11); resets; pd_usb.
  const r = await run({
    cmd: "grant",
    agent: "vm2",
    kind: "device",
    resource: "usb",
  }) as GrantResult;
  assertEquals(
    r.changes.filter((c) => c.kind === "clock").map((c) => [c.change, c.name, c.virtual]),
    [["shown", "usb_ref_clk", 2], ["shown", "usb_bus_clk", 3], ["shown", "ahb_clk", 4]],
  );
  // vm2 has no reset or power protocol: the operator is told the grant does nothing there.
  assert(r.warnings.some((w) => w.includes("reset")), r.warnings.join("\n"));
  // PROTOCOL_ATTRIBUTES: 5 clocks now; max_async_req is the plugin's, kept from before.
  const [, , before] = await fx.words("vm1", [CLOCK_PROTOCOL_ATTRIBUTES]);
  const words = await fx.words("vm2", [CLOCK_PROTOCOL_ATTRIBUTES]);
  assertEquals([words[1], words[2] & 0xffff, words[2] >>> 16], [0, 5, before >>> 16]);
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 2, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  assert(clockKind.hwOf(fx.platform.env.hw)[17]!.isEnabled(17));
});

Deno.test("revoke a device while vm2 votes on its clock → vote released, then NOT_FOUND", async () => {
  const { fx, run } = await setup();
  await run({ cmd: "grant", agent: "vm2", kind: "device", resource: "usb" });
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 2, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  const r = await run({
    cmd: "revoke",
    agent: "vm2",
    kind: "device",
    resource: "usb",
  }) as GrantResult;
  assertEquals(r.released.map((h) => [h.store, h.name]), [["clock.enable", "usb_ref_clk"]]);
  assertEquals(r.changes.map((c) => [c.change, c.kind, c.virtual]).slice(0, 3), [
    ["hidden", "clock", 2],
    ["hidden", "clock", 3],
    ["hidden", "clock", 4],
  ]);
  assert(!clockKind.hwOf(fx.platform.env.hw)[17]!.isEnabled(17), "usb_ref_clk is off again");
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 2, 1, 0]), [CLOCK_CONFIG_SET, NOT_FOUND]);
  // Its own clocks keep their ids.
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 0, 1, 0]), [CLOCK_CONFIG_SET, 0]);
});

Deno.test("revoke while vm2 has no session but its votes are kept → votes released anyway", async () => {
  const { fx, run } = await setup();
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 0, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  // The session goes, the votes stay (as during a grace period or after a restart).
  fx.platform.closeSession(fx.session("vm2"), "keep");
  assert(clockKind.hwOf(fx.platform.env.hw)[14]!.isEnabled(14));
  const r = await run({
    cmd: "revoke",
    agent: "vm2",
    kind: "clock",
    resource: "uart1_clk",
  }) as GrantResult;
  assertEquals(r.released.map((h) => [h.store, h.name]), [["clock.enable", "uart1_clk"]]);
  assert(!clockKind.hwOf(fx.platform.env.hw)[14]!.isEnabled(14), "uart1_clk off once nobody votes");
});

Deno.test("grant one clock read-only at virtual id 7 → CLOCK_CONFIG_SET on it DENIED", async () => {
  const { fx, run } = await setup();
  const r = await run({
    cmd: "grant",
    agent: "vm2",
    kind: "clock",
    resource: "pll_video",
    virtual: 7,
    readOnly: true,
  }) as GrantResult;
  assertEquals(r.changes, [{
    change: "shown",
    kind: "clock",
    id: 6,
    name: "pll_video",
    virtual: 7,
    rights: "r",
  }]);
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 7, 1, 0]), [CLOCK_CONFIG_SET, DENIED]);
  // Virtual ids 2–6 are holes.
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 4, 1, 0]), [CLOCK_CONFIG_SET, NOT_FOUND]);
  // Granting it again without read-only upgrades its rights in place.
  const up = await run({ cmd: "grant", agent: "vm2", kind: "clock", resource: 6 }) as GrantResult;
  assertEquals(up.changes.map((c) => [c.change, c.virtual, c.rights]), [["rights", 7, "rw"]]);
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 7, 1, 0]), [CLOCK_CONFIG_SET, 0]);
});

Deno.test("grant conflicts → conflict errors, grants unchanged", async () => {
  const { fx, run } = await setup();
  const map = fx.platform.agent("vm1")!.grants.maps.clock;
  const before = [...map.v2p];
  const cases: [RequestInput, string][] = [
    [
      { cmd: "grant", agent: "vm1", kind: "clock", resource: "apb_clk", virtual: 5 },
      "as virtual id 1",
    ],
    [
      { cmd: "grant", agent: "vm1", kind: "clock", resource: "apb_clk", readOnly: true },
      "read-only",
    ],
    [{ cmd: "grant", agent: "vm1", kind: "clock", resource: "pll_gpu", virtual: 0 }, "uart0_clk"],
  ];
  for (const [req, text] of cases) {
    const e = await assertRejects(() => run(req), ControlError) as ControlError;
    assertEquals(e.code, "conflict");
    assert(e.message.includes(text), e.message);
  }
  const dev = await assertRejects(
    () => run({ cmd: "grant", agent: "vm1", kind: "device", resource: "usb", virtual: 3 }),
    ControlError,
  ) as ControlError;
  assertEquals(dev.code, "bad-request");
  assertEquals(map.v2p, before);
});

Deno.test("unknown agent, resource or device → not-found", async () => {
  const { run } = await setup();
  const cases: RequestInput[] = [
    { cmd: "grant", agent: "vm9", kind: "device", resource: "usb" },
    { cmd: "grant", agent: 42, kind: "device", resource: "usb" },
    { cmd: "revoke", agent: "vm1", kind: "device", resource: "toaster" },
    { cmd: "revoke", agent: "vm1", kind: "clock", resource: 999 },
    { cmd: "resource", kind: "reset", resource: "nope" },
    { cmd: "remove-agent", agent: "ghost" },
  ];
  for (const req of cases) {
    const e = await assertRejects(() => run(req), ControlError) as ControlError;
    assertEquals(e.code, "not-found", JSON.stringify(req));
  }
});

Deno.test("resource → board facts, hardware state, votes per agent, who sees it as what", async () => {
  const { fx, run } = await setup();
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 1, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  const r = await run({ cmd: "resource", kind: "clock", resource: "apb_clk" }) as ResourceInfo;
  assertEquals([r.kind, r.id, r.name], ["clock", 12, "apb_clk"]);
  assertEquals(r.devices, ["uart0", "uart1", "i2c0", "spi0"]);
  assertEquals(r.hardware.enabled, true);
  const on = r.stores.find((s) => s.store === "clock.enable")!;
  assertEquals(on.votes, [{ agent: "vm2", value: true }]);
  assertEquals(on.effective, true);
  assertEquals(r.visibility.map((v) => [v.agent, v.virtual, v.rights]), [
    ["vm1", 1, "rw"],
    ["vm2", 1, "rw"],
  ]);
});

Deno.test("resource with two rate requests → clock.rate store: policy, both requests, effective", async () => {
  const { fx, run } = await setup();
  // CLOCK_RATE_SET a2p: flags (0: synchronous, round down), clock_id, rate_low, rate_high.
  const RATE_SET = 0x14 << 10 | 0x5;
  assertEquals(await fx.words("vm1", [RATE_SET, 0, 1, 50_000_000, 0]), [RATE_SET, 0]);
  assertEquals(await fx.words("vm2", [RATE_SET, 0, 1, 100_000_000, 0]), [RATE_SET, 0]);
  const r = await run({ cmd: "resource", kind: "clock", resource: "apb_clk" }) as ResourceInfo;
  const rate = r.stores.find((s) => s.store === "clock.rate")!;
  assertEquals(rate.policy, "last");
  assertEquals(rate.votes, [{ agent: "vm1", value: 50_000_000 }, {
    agent: "vm2",
    value: 100_000_000,
  }]);
  assertEquals(rate.effective, 100_000_000);
  assertEquals(r.hardware.rate, 100_000_000);
  const { agents } = await run({ cmd: "agents" }) as { agents: AgentInfo[] };
  assertEquals(agents[0].votes.map((v) => [v.store, v.name, v.value]), [
    ["clock.rate", "apb_clk", 50_000_000],
  ]);
});

Deno.test("reset-agent → its votes released; with permissions its grants revert", async () => {
  const { fx, run } = await setup();
  await run({ cmd: "grant", agent: "vm2", kind: "clock", resource: "pll_video" });
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 0, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  const plain = await run({ cmd: "reset-agent", agent: "vm2" }) as GrantResult;
  assertEquals(plain.released.map((h) => h.name), ["uart1_clk"]);
  assertEquals(plain.changes, []);
  const full = await run({ cmd: "reset-agent", agent: 2, permissions: true }) as GrantResult;
  assertEquals(full.changes.map((c) => [c.change, c.name]), [["hidden", "pll_video"]]);
});

Deno.test("remove-agent → the host removes it, its votes are reported released", async () => {
  const { fx, run, removed } = await setup();
  assertEquals(await fx.words("vm2", [CLOCK_CONFIG_SET, 0, 1, 0]), [CLOCK_CONFIG_SET, 0]);
  const r = await run({ cmd: "remove-agent", agent: "vm2" }) as RemoveResult;
  assertEquals([r.agent, r.id], ["vm2", 2]);
  assertEquals(r.released.map((h) => h.name), ["uart1_clk"]);
  assertEquals(removed.map((a) => a.name), ["vm2"]);
  assertEquals(fx.platform.agents.map((a) => a.name), ["vm1", "host"]);
});

Deno.test("protocols → every served protocol by id, its kinds, and a plugin's module", async () => {
  const { fx, host } = await setup();
  const clock = fx.platform.protocols[0x14]!.def;
  const withModule: ControlHost = {
    ...host,
    moduleOf: (def) => def === clock ? "file:///x/clock_plugin.ts" : undefined,
  };
  const { protocols } = await execute(withModule, requestSchema.parse({ cmd: "protocols" })) as {
    protocols: ServedProtocol[];
  };
  const ids = protocols.map((p) => p.id);
  assertEquals(ids, [...ids].sort((a, b) => a - b));
  assertEquals(protocols.find((p) => p.id === 0x14), {
    id: 0x14,
    name: "clock",
    kinds: ["clock"],
    module: "file:///x/clock_plugin.ts",
  });
  assertEquals(protocols.find((p) => p.id === 0x10)?.module, null);
});
