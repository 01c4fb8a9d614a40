import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { SystemPowerDecl } from "./power_key.ts";
import { emptyBoard } from "../../core/board.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { type SystemHw, SystemState } from "./hw.ts";
import { Status } from "../../core/status.ts";
import { simDriver } from "../../boards/drivers/sim.ts";
import type { SimSystem } from "../../boards/drivers/sim/system.ts";
import { type AgentSpec, fixture } from "../../tests/harness.ts";
import { SystemEvent, SystemMsg } from "./mod.ts";

const OK = Status.SUCCESS;
const H = (msg: number) => encodeHeader(msg, MsgType.COMMAND, 0x12, 0);
const NOTIFIER = encodeHeader(
  SystemEvent.SYSTEM_POWER_STATE_NOTIFIER,
  MsgType.NOTIFICATION,
  0x12,
  0,
);
const GRACEFUL = 1;
const FORCEFUL = 0;
const u32 = (s: number) => s >>> 0;

async function setup(agents: AgentSpec[], system?: SystemHw | null) {
  const board = emptyBoard();
  const drv: BoardDriver = await simDriver.create({
    name: "sim",
    options: { time_scale: 0 },
    board,
  });
  if (system === null) delete drv.system;
  else if (system) drv.system = system;
  const fx = await fixture({ board, drivers: new Map([["sim", drv]]), agents });
  return { fx, sim: drv.system as SimSystem };
}

function agent(name: string, systemPower?: SystemPowerDecl, extra: Partial<AgentSpec> = {}) {
  const settings = systemPower && { system_power: systemPower };
  return { name, protocols: { 0x12: undefined }, settings, ...extra };
}

function words(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

Deno.test("system: an untrusted agent with the board action is refused at startup", async () => {
  await assertRejects(
    () => setup([agent("vm1", { action: "board" })]),
    TypeError,
    `Agent "vm1": systemPower action "board" acts on the whole system: only a trusted agent may have it`,
  );
});

Deno.test("system: malformed qmp and command actions are refused at startup", async () => {
  await assertRejects(
    () => setup([agent("vm1", { action: "qmp", socket: "" })]),
    TypeError,
    "QMP socket path",
  );
  await assertRejects(
    () => setup([agent("vm1", { action: "command", argv: [] })]),
    TypeError,
    "non-empty list of strings",
  );
});

Deno.test("system: default actions are board for a trusted agent and deny otherwise", async () => {
  const { fx, sim } = await setup([
    agent("host", undefined, { trusted: true }),
    agent("vm1"),
  ]);
  assertEquals(await fx.words("vm1", [H(3), FORCEFUL, SystemState.SHUTDOWN]), [
    H(3),
    u32(Status.DENIED),
  ]);
  assertEquals(await fx.words("host", [H(3), FORCEFUL, SystemState.COLD_RESET]), [H(3), OK]);
  assertEquals(sim.history, [{ state: SystemState.COLD_RESET, graceful: false }]);
});

Deno.test("system: board acts on the whole system and tells every other subscribed agent", async () => {
  const { fx, sim } = await setup([
    agent("host", { action: "board" }, { trusted: true }),
    agent("new"),
    agent("old", undefined, { protocols: { 0x12: 0x10000 } }),
    agent("deaf"),
  ]);
  for (const a of ["host", "new", "old"]) {
    assertEquals(await fx.words(a, [H(SystemMsg.SYSTEM_POWER_STATE_NOTIFY), 1]), [H(5), OK]);
  }
  assertEquals(await fx.words("host", [H(3), GRACEFUL, SystemState.SHUTDOWN]), [H(3), OK]);
  assertEquals(sim.history, [{ state: SystemState.SHUTDOWN, graceful: true }]);
  assertEquals(fx.drain("host"), [], "the requester is not told");
  assertEquals(fx.drain("deaf"), [], "an agent that did not subscribe is not told");
  const fresh = fx.drain("new");
  assertEquals(fresh.map((m) => m.length), [20]);
  // agent_id 0: the platform, not the host (a guest is not told which agent acted).
  assertEquals(words(fresh[0]), [NOTIFIER, 0, 1, SystemState.SHUTDOWN, sim.gracefulTimeoutMs]);
  const old = fx.drain("old");
  assertEquals(old.map((m) => m.length), [16]);
  assertEquals(words(old[0]), [NOTIFIER, 0, 1, SystemState.SHUTDOWN]);
});

Deno.test("system: a board driver failure answers its status", async () => {
  let calls = 0;
  const failing: SystemHw = {
    setState() {
      calls++;
      if (calls === 1) throw new DriverError("busy", "PMIC busy");
      return Promise.reject(new DriverError("hardware", "PMIC gone"));
    },
  };
  const { fx } = await setup([agent("host", { action: "board" }, { trusted: true })], failing);
  assertEquals(await fx.words("host", [H(3), FORCEFUL, 1]), [H(3), u32(Status.BUSY)]);
  assertEquals(await fx.words("host", [H(3), FORCEFUL, 1]), [H(3), u32(Status.HARDWARE_ERROR)]);
});

Deno.test("system: board without a system driver → NOT_SUPPORTED, no support bits", async () => {
  const { fx } = await setup([agent("host", { action: "board" }, { trusted: true })], null);
  assertEquals(await fx.words("host", [H(3), FORCEFUL, 0]), [H(3), u32(Status.NOT_SUPPORTED)]);
  assertEquals(await fx.words("host", [H(2), SystemMsg.SYSTEM_POWER_STATE_SET]), [H(2), OK, 0]);
});

Deno.test("system: a driver's own support list decides board states and attribute bits", async () => {
  const seen: number[] = [];
  const hw: SystemHw = {
    supports: (s) => s === SystemState.SHUTDOWN || s === 0x80000002,
    setState: (s) => void seen.push(s),
  };
  const { fx } = await setup([agent("host", { action: "board" }, { trusted: true })], hw);
  assertEquals(await fx.words("host", [H(2), 3]), [H(2), OK, 0]);
  assertEquals(await fx.words("host", [H(3), FORCEFUL, 2]), [H(3), u32(Status.NOT_SUPPORTED)]);
  assertEquals(await fx.words("host", [H(3), FORCEFUL, 0x80000002]), [H(3), OK]);
  assertEquals(seen, [0x80000002]);
});

Deno.test("system: command runs argv with the state and mode, and answers after it finished", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  try {
    const argv = [
      "sh",
      "-c",
      'sleep 0.1; printf "%s %s" "$1" "$2" > "$0"',
      out,
      "{state}",
      "{graceful}",
    ];
    const { fx } = await setup([agent("vm1", { action: "command", argv })]);
    assertEquals(await fx.words("vm1", [H(3), FORCEFUL, SystemState.WARM_RESET]), [H(3), OK]);
    // The command writes only after its sleep: the file there at the reply shows it waited.
    assertEquals(await Deno.readTextFile(out), "warm-reset forceful");
    assertEquals(fx.drain("vm1"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("system: a failing command → HARDWARE_ERROR, logged once with the agent's name", async () => {
  const { fx } = await setup([agent("vm1", { action: "command", argv: ["sh", "-c", "exit 4"] })]);
  for (let i = 0; i < 2; i++) {
    assertEquals(await fx.words("vm1", [H(3), GRACEFUL, 0]), [H(3), u32(Status.HARDWARE_ERROR)]);
  }
  const lines = fx.logs.filter((l) =>
    l.includes(`agent "vm1"`) && l.includes("exited with code 4")
  );
  assertEquals(lines.length, 1);
});

/** A one-connection-at-a-time fake QEMU monitor answering `error` for `refuse`. */
async function fakeQmp(refuse?: string) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/qmp.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const commands: string[] = [];
  const enc = new TextEncoder();
  const served = (async () => {
    for await (const conn of listener) {
      try {
        await conn.write(enc.encode(`{"QMP": {"version": {}, "capabilities": []}}\r\n`));
        const buf = new Uint8Array(512);
        let text = "";
        for (let n; (n = await conn.read(buf)) !== null;) {
          text += new TextDecoder().decode(buf.subarray(0, n));
          for (let nl; (nl = text.indexOf("\n")) >= 0;) {
            const cmd = JSON.parse(text.slice(0, nl)).execute;
            text = text.slice(nl + 1);
            commands.push(cmd);
            const ans = cmd === refuse
              ? { error: { class: "GenericError", desc: "not now" } }
              : { return: {} };
            await conn.write(enc.encode(JSON.stringify(ans) + "\r\n"));
          }
        }
      } catch {
        /* client gone */
      } finally {
        conn.close();
      }
    }
  })();
  return {
    path,
    commands,
    async close() {
      listener.close();
      await served;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("system: qmp sends the QMP command for the state to the VM's monitor", async () => {
  const qmp = await fakeQmp("stop");
  try {
    const { fx } = await setup([agent("vm1", { action: "qmp", socket: qmp.path })]);
    assertEquals(await fx.words("vm1", [H(3), GRACEFUL, SystemState.SHUTDOWN]), [H(3), OK]);
    assertEquals(await fx.words("vm1", [H(3), FORCEFUL, SystemState.COLD_RESET]), [H(3), OK]);
    assertEquals(await fx.words("vm1", [H(3), FORCEFUL, SystemState.SUSPEND]), [
      H(3),
      u32(Status.HARDWARE_ERROR),
    ]);
    assertEquals(qmp.commands, [
      "qmp_capabilities",
      "system_powerdown",
      "qmp_capabilities",
      "system_reset",
      "qmp_capabilities",
      "stop",
    ]);
    assert(fx.logs.some((l) => l.includes("GenericError: not now")), "the refusal is logged");
  } finally {
    await qmp.close();
  }
});

Deno.test("system: a session reset drops its SYSTEM_POWER_STATE_NOTIFY subscription", async () => {
  const { fx } = await setup([
    agent("host", { action: "board" }, { trusted: true }),
    agent("vm1"),
  ]);
  await fx.words("vm1", [H(SystemMsg.SYSTEM_POWER_STATE_NOTIFY), 1]);
  fx.platform.resetAgent(fx.session("vm1").agent);
  await fx.words("host", [H(3), FORCEFUL, 1]);
  assertEquals(fx.drain("vm1"), []);
});

Deno.test("system: any message sequence gets well-formed replies; the board only sees valid states", async () => {
  const known = new Set<number>(Object.values(Status));
  const word = fc.oneof(
    fc.integer({ min: 0, max: 6 }),
    fc.constantFrom(0x80000000, 0x7fffffff, 0xffffffff),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
  const message = fc.record({
    agent: fc.constantFrom("host", "vm1", "old"),
    id: fc.integer({ min: 0, max: 0x11 }),
    params: fc.array(word, { maxLength: 3 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 30 }), async (msgs) => {
      const { fx, sim } = await setup([
        agent("host", { action: "board" }, { trusted: true }),
        agent("vm1"),
        agent("old", undefined, { protocols: { 0x12: 0x10000 } }),
      ]);
      for (const m of msgs) {
        const reply = await fx.words(m.agent, [H(m.id), ...m.params]);
        assertEquals(reply[0], H(m.id));
        assert(known.has(reply[1] | 0), `unknown status ${reply[1] | 0}`);
        if (reply[1] !== OK) assertEquals(reply.length, 2);
      }
      for (const step of sim.history) assert(step.state <= SystemState.SUSPEND);
      for (const a of ["host", "vm1", "old"]) {
        for (const n of fx.drain(a)) {
          assertEquals(words(n)[0], NOTIFIER);
          assertEquals(n.length, a === "old" ? 16 : 20);
        }
      }
      assertEquals(fx.logs.filter((l) => l.startsWith("error")), []);
    }),
    { numRuns: 150 },
  );
});
