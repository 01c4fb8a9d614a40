/**
 * Agents added to and removed from a running platform (`Platform.addAgent/removeAgent`), and
 * how Base copes with the gaps removal leaves in the agent ids. Expected words are written
 * from the Base layouts (DEN0056 §4.2.2.2, §4.2.2.8): header = message_id | type << 8 |
 * protocol << 10 | token << 18; PROTOCOL_ATTRIBUTES p2a = status, num_protocols (7:0) |
 * num_agents (15:8); DISCOVER_AGENT (2.x) p2a = status, agent_id, name[16].
 * @module
 */
import { clockKind } from "../plugins/clock/kind.ts";
import { assert, assertEquals, assertThrows } from "./_assert_test.ts";
import { Agent } from "./agent.ts";
import { fixture } from "../tests/harness.ts";
import { Status } from "./status.ts";
import { loadBoard, simBoardPath } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";

const BASE_ATTRIBUTES = 0x10 << 10 | 0x1;
const DISCOVER_AGENT = 0x10 << 10 | 0x7;
/** CLOCK_CONFIG_SET (clock 3.0, 12-byte form): clock_id, attributes, oem_config_val. */
const CLOCK_CONFIG_SET = 0x14 << 10 | 0x7;
const ENABLE = 1;

/** Name field of 16 bytes as four little-endian words. */
function name16(text: string): number[] {
  const bytes = new Uint8Array(16);
  bytes.set(new TextEncoder().encode(text));
  const dv = new DataView(bytes.buffer);
  return [0, 4, 8, 12].map((o) => dv.getUint32(o, true));
}

async function setup() {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const fx = await fixture({
    board,
    agents: [
      { name: "vm1", protocols: { 0x14: undefined }, grants: { clock: [13, 12] } },
      { name: "vm2", protocols: { 0x14: undefined }, grants: { clock: [14, 12] } },
      { name: "host", trusted: true },
    ],
  });
  return fx;
}

Deno.test("addAgent → next id, its session talks Base, other sessions untouched", async () => {
  const fx = await setup();
  const p = fx.platform;
  assertEquals(p.nextAgentId(), 4);
  const vm3 = new Agent({ id: p.nextAgentId(), name: "vm3" });
  vm3.grants.protocols.set(0x14, {});
  vm3.grants.maps.clock.grant(16);
  const vm1Session = fx.session("vm1");
  p.addAgent(vm3);
  assertEquals(p.agents.map((a) => a.id), [1, 2, 3, 4]);
  assertEquals(p.nextAgentId(), 5);
  assert(p.sessions.has(vm1Session), "vm1's session stays open");

  fx.sessions.set("vm3", p.openSession(vm3, { p2a: true }));
  // DISCOVER_AGENT(0xFFFFFFFF) from vm3 → SUCCESS, agent_id 4, "vm3".
  assertEquals(await fx.words("vm3", [DISCOVER_AGENT, 0xffffffff]), [
    DISCOVER_AGENT,
    Status.SUCCESS,
    4,
    ...name16("vm3"),
  ]);
  // vm1 sees 4 agents now: num_agents = 4 (bits 15:8), one protocol besides Base.
  assertEquals(await fx.words("vm1", [BASE_ATTRIBUTES]), [BASE_ATTRIBUTES, 0, 4 << 8 | 1]);
});

Deno.test("addAgent with a used id, a taken name or an unknown protocol → error, nothing added", async () => {
  const fx = await setup();
  const p = fx.platform;
  assertThrows(() => p.addAgent(new Agent({ id: 3, name: "vm9" })), RangeError, "already given");
  assertThrows(() => p.addAgent(new Agent({ id: 4, name: "vm1" })), RangeError, "already on");
  const odd = new Agent({ id: 4, name: "odd" });
  odd.grants.protocols.set(0x99, {});
  assertThrows(() => p.addAgent(odd), TypeError, "not registered");
  const pinned = new Agent({ id: 4, name: "pinned" });
  pinned.grants.protocols.set(0x14, { pin: 0x70000 });
  assertThrows(() => p.addAgent(pinned), RangeError, "does not speak");
  assertEquals(p.agents.length, 3);
  assertEquals(p.nextAgentId(), 4);
});

Deno.test("removeAgent → its sessions close, its clock vote is released, others keep theirs", async () => {
  const fx = await setup();
  const p = fx.platform;
  const hw = clockKind.hwOf(p.env.hw);
  // vm1 and vm2 both enable the shared apb_clk (12, virtual 1), vm2 its uart1_clk (14, virtual 0).
  for (const [agent, v] of [["vm1", 1], ["vm2", 1], ["vm2", 0]] as const) {
    assertEquals(await fx.words(agent, [CLOCK_CONFIG_SET, v, ENABLE, 0]), [CLOCK_CONFIG_SET, 0]);
  }
  assert(hw[14]!.isEnabled(14));
  const vm2 = p.agent("vm2")!;
  const s2 = fx.session("vm2");
  assert(p.removeAgent(vm2));
  assert(!s2.open, "vm2's session is closed");
  assert(!hw[14]!.isEnabled(14), "uart1_clk goes off with vm2's vote");
  assert(hw[12]!.isEnabled(12), "apb_clk stays on for vm1");
  assertEquals(p.agents.map((a) => a.name), ["vm1", "host"]);
  assertEquals(p.removeAgent(vm2), false);
  assertThrows(() => p.openSession(vm2, { p2a: true }), RangeError, "not one of");
  // vm1 still served.
  assertEquals(await fx.words("vm1", [CLOCK_CONFIG_SET, 1, 0, 0]), [CLOCK_CONFIG_SET, 0]);
});

Deno.test("after removing agent 2: DISCOVER_AGENT(2) → NOT_FOUND, num_agents = highest id present", async () => {
  const fx = await setup();
  const p = fx.platform;
  p.removeAgent(p.agent("vm2")!);
  assertEquals(await fx.words("vm1", [DISCOVER_AGENT, 2]), [
    DISCOVER_AGENT,
    Status.NOT_FOUND >>> 0,
  ]);
  assertEquals(await fx.words("vm1", [DISCOVER_AGENT, 3]), [
    DISCOVER_AGENT,
    0,
    3,
    ...name16("host"),
  ]);
  // host (id 3) is the highest id present: num_agents 3 although only two agents remain.
  assertEquals(await fx.words("vm1", [BASE_ATTRIBUTES]), [BASE_ATTRIBUTES, 0, 3 << 8 | 1]);
  // Removing the highest id lowers it; a new agent never gets a removed id back.
  p.removeAgent(p.agent("host")!);
  assertEquals(await fx.words("vm1", [BASE_ATTRIBUTES]), [BASE_ATTRIBUTES, 0, 1 << 8 | 1]);
  assertEquals(p.nextAgentId(), 4);
  p.addAgent(new Agent({ id: 4, name: "vm4" }));
  assertEquals(await fx.words("vm1", [BASE_ATTRIBUTES]), [BASE_ATTRIBUTES, 0, 4 << 8 | 1]);
  assertEquals(p.agentById(4)?.name, "vm4");
  assertEquals(p.agentById(2), undefined);
});

Deno.test("permission commands name a removed agent → NOT_FOUND", async () => {
  const fx = await setup();
  const p = fx.platform;
  p.removeAgent(p.agent("vm2")!);
  const SET_DEVICE_PERMISSIONS = 0x10 << 10 | 0x9;
  const RESET_AGENT_CONFIGURATION = 0x10 << 10 | 0xb;
  assertEquals(await fx.words("host", [SET_DEVICE_PERMISSIONS, 2, 0, 1]), [
    SET_DEVICE_PERMISSIONS,
    Status.NOT_FOUND >>> 0,
  ]);
  assertEquals(await fx.words("host", [RESET_AGENT_CONFIGURATION, 2, 0]), [
    RESET_AGENT_CONFIGURATION,
    Status.NOT_FOUND >>> 0,
  ]);
  // vm1 (id 1) is still found: device 0 exists on the sim board.
  assertEquals(await fx.words("host", [SET_DEVICE_PERMISSIONS, 1, 0, 1]), [
    SET_DEVICE_PERMISSIONS,
    Status.SUCCESS,
  ]);
});
