/**
 * Behaviour of the Pin control plugin beyond single messages: claims outliving or ending
 * with sessions, run-time permission changes, drivers that block or fail, board checks.
 * Runs on the vectors' platform (`tests/vectors/pinctrl/fixture.ts`): group 0 holds pins 0
 * and 1; vm1 calls them pins 4, 5 and group 2; vm2 calls them pins 6, 7 and group 2.
 */
import { turn } from "../../core/_wait_test.ts";
import { groupKind } from "./kind.ts";
import { pinKind } from "./kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { emptyBoard } from "../../core/board.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { PinConfig, type PinctrlHw } from "./hw.ts";
import { Status } from "../../core/status.ts";
import { createSimPinctrl } from "../../boards/drivers/sim/pinctrl.ts";
import { fixture as build } from "../../tests/harness.ts";
import { fixture, FUNCTIONS, GROUPS, PINS } from "../../tests/vectors/pinctrl/fixture.ts";
import { cmd } from "./_call_test.ts";
import { PinctrlMsg } from "./msg.ts";
import { pinctrlProtocol } from "./mod.ts";
import { baseProtocol } from "../base/mod.ts";

const { PINCTRL_REQUEST: REQUEST, PINCTRL_RELEASE: RELEASE } = PinctrlMsg;
const CONFIGURE = PinctrlMsg.PINCTRL_SETTINGS_CONFIGURE;
const GET = PinctrlMsg.PINCTRL_SETTINGS_GET;
const PIN = 0;
const GROUP = 1;
const NO_FN = 0xffffffff;

Deno.test("a session that ends releases its claims: another's REQUEST → SUCCESS", async () => {
  const fx = await fixture();
  assertEquals((await cmd(fx, "vm1", REQUEST, [2, GROUP])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm2", REQUEST, [6, PIN])).status, Status.IN_USE);
  fx.reconnect("vm1");
  assertEquals((await cmd(fx, "vm2", REQUEST, [6, PIN])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm2", REQUEST, [2, GROUP])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm1", REQUEST, [5, PIN])).status, Status.IN_USE);
});

Deno.test("claims are the agent's: they last while any of its sessions is open", async () => {
  const fx = await fixture();
  const vm1 = fx.platform.agent("vm1")!;
  const second = fx.platform.openSession(vm1, { p2a: false });
  fx.sessions.set("vm1b", second);
  assertEquals((await cmd(fx, "vm1", REQUEST, [4, PIN])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm1b", REQUEST, [2, GROUP])).status, Status.SUCCESS);
  fx.reconnect("vm1");
  assertEquals((await cmd(fx, "vm2", REQUEST, [6, PIN])).status, Status.IN_USE);
  assertEquals((await cmd(fx, "vm1", REQUEST, [4, PIN])).status, Status.SUCCESS, "same agent");
  fx.platform.closeSession(second);
  assertEquals((await cmd(fx, "vm2", REQUEST, [6, PIN])).status, Status.IN_USE, "vm1 has pin 0");
  assertEquals((await cmd(fx, "vm2", REQUEST, [7, PIN])).status, Status.IN_USE, "and the group");
  assertEquals((await cmd(fx, "vm1", RELEASE, [2, GROUP])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm2", REQUEST, [7, PIN])).status, Status.SUCCESS, "pin 1 is free");
  assertEquals((await cmd(fx, "vm1", RELEASE, [4, PIN])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm2", REQUEST, [6, PIN])).status, Status.SUCCESS);
  fx.platform.closeSession(fx.session("vm2"));
  assertEquals((await cmd(fx, "vm1", REQUEST, [2, GROUP])).status, Status.SUCCESS, "vm2 left");
});

Deno.test("BASE_RESET_AGENT_CONFIGURATION of the owner releases its claims", async () => {
  const fx = await fixture();
  assertEquals((await cmd(fx, "vm1", REQUEST, [2, GROUP])).status, Status.SUCCESS);
  const reset = encodeHeader(0xb, MsgType.COMMAND, 0x10, 0);
  const r = await fx.words("hyp", [reset, 2, 0]);
  assertEquals(r, [reset, Status.SUCCESS]);
  assertEquals((await cmd(fx, "vm2", REQUEST, [2, GROUP])).status, Status.SUCCESS);
});

Deno.test("SET_PERMISSIONS deny of a claimed group releases it; its pins stay", async () => {
  const fx = await fixture();
  assertEquals((await cmd(fx, "vm1", REQUEST, [2, GROUP])).status, Status.SUCCESS);
  const deny = await cmd(fx, "hyp", PinctrlMsg.PINCTRL_SET_PERMISSIONS, [2, 0, GROUP]);
  assertEquals(deny.status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm1", REQUEST, [2, GROUP])).status, Status.NOT_FOUND);
  assertEquals((await cmd(fx, "vm2", REQUEST, [2, GROUP])).status, Status.SUCCESS);
  const attrs = await cmd(fx, "vm1", PinctrlMsg.PINCTRL_ATTRIBUTES, [4, PIN]);
  assertEquals(attrs.status, Status.SUCCESS, "vm1 still sees pin 0");
});

Deno.test("SET_PERMISSIONS deny of a function leaves it selected where it was", async () => {
  const fx = await fixture();
  const select = await cmd(fx, "vm1", CONFIGURE, [2, 1, 0x401]);
  assertEquals(select.status, Status.SUCCESS, "vm1 selects uart on uart0");
  const deny = await cmd(fx, "hyp", PinctrlMsg.PINCTRL_SET_PERMISSIONS, [2, 0, 2]);
  assertEquals(deny.status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm1", GET, [2, 0x90000])).words, [NO_FN, 0], "vm1: not its own");
  assertEquals((await cmd(fx, "hyp", GET, [0, 0x90000])).words, [0, 0], "still uart");
});

Deno.test("BASE_SET_DEVICE_PERMISSIONS deny of a device releases its pins' claims", async () => {
  const board = emptyBoard("pinctrl-devices");
  board.resources.pin = PINS.map((p) => ({ ...p }));
  board.resources.group = GROUPS.map((g) => ({ ...g }));
  board.resources.function = FUNCTIONS.map((f) => ({ ...f }));
  board.devices = [{ id: 0, name: "uart0", resources: { pin: [0, 1], group: [0] } }];
  const fx = await build({
    board,
    protocols: [baseProtocol, pinctrlProtocol],
    agents: [
      { name: "hyp", trusted: true, protocols: { 0x19: undefined }, grants: { pin: [0, 1] } },
      { name: "vm", protocols: { 0x19: undefined } },
    ],
  });
  const allow = encodeHeader(0x9, MsgType.COMMAND, 0x10, 0);
  assertEquals(await fx.words("hyp", [allow, 2, 0, 1]), [allow, Status.SUCCESS]);
  assertEquals((await cmd(fx, "vm", REQUEST, [0, GROUP])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "hyp", REQUEST, [1, PIN])).status, Status.IN_USE);
  assertEquals(await fx.words("hyp", [allow, 2, 0, 0]), [allow, Status.SUCCESS]);
  assertEquals((await cmd(fx, "hyp", REQUEST, [1, PIN])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm", REQUEST, [0, GROUP])).status, Status.NOT_FOUND);
});

/** The sim's pin controller wrapped so that writes take a tick and are recorded. */
function slowDriver(fail?: DriverError): { driver: BoardDriver; log: string[] } {
  const board = emptyBoard();
  board.resources.pin = PINS.map((p) => ({ ...p }));
  board.resources.group = GROUPS.map((g) => ({ ...g }));
  board.resources.function = FUNCTIONS.map((f) => ({ ...f }));
  const sim = createSimPinctrl(board, "sim", { timeScale: 0 });
  const log: string[] = [];
  const hw: PinctrlHw = {
    configTypes: (t, id) => sim.configTypes(t, id),
    getConfig: (t, id, type) => sim.getConfig(t, id, type),
    getFunction: (t, id) => sim.getFunction(t, id),
    setConfigs(t, id, pairs, count) {
      const copy = Array.from({ length: 2 * count }, (_, i) => pairs[i]);
      log.push(`configs ${copy.join(",")}`);
      // Completes a turn later: the function may be selected only after this settles.
      return turn().then(() => {
        sim.setConfigs(t, id, copy, count);
        log.push("configs done");
      });
    },
    setFunction(t, id, fn) {
      log.push(`function ${fn}`);
      if (fail) throw fail;
      sim.setFunction(t, id, fn);
    },
  };
  return { driver: { name: "sim", pinctrl: hw }, log };
}

async function slowFixture(fail?: DriverError) {
  const board = emptyBoard("pinctrl-slow");
  board.resources.pin = PINS.map((p) => ({ ...p }));
  board.resources.group = GROUPS.map((g) => ({ ...g }));
  board.resources.function = FUNCTIONS.map((f) => ({ ...f }));
  const { driver, log } = slowDriver(fail);
  const fx = await build({
    board,
    drivers: new Map([["sim", driver]]),
    agents: [{
      name: "hyp",
      protocols: { 0x19: undefined },
      grants: { pin: PINS.map((p) => p.id), group: [0, 1, 2, 3, 4], function: [0, 1, 2, 3, 4] },
    }],
  });
  return { fx, log };
}

Deno.test("blocking driver: CONFIGURE applies configurations, then the function", async () => {
  const { fx, log } = await slowFixture();
  const r = await cmd(fx, "hyp", CONFIGURE, [0, 0, 0x409, PinConfig.SLEW_RATE, 3, 10, 8]);
  assertEquals(r.status, Status.SUCCESS);
  assertEquals(log, ["configs 20,3,10,8", "configs done", "function 0"]);
  const got = await cmd(fx, "hyp", GET, [1, PinConfig.DRIVE_STRENGTH]);
  assertEquals(got.words, [0, 1, PinConfig.DRIVE_STRENGTH, 8]);
});

Deno.test("a driver fault while selecting the function → HARDWARE_ERROR", async () => {
  const { fx, log } = await slowFixture(new DriverError("hardware", "mux stuck"));
  const r = await cmd(fx, "hyp", CONFIGURE, [0, 0, 0x401]);
  assertEquals(r.status, Status.HARDWARE_ERROR);
  assertEquals(log, ["function 0"]);
  assertEquals(fx.logs.filter((l) => l.startsWith("error")), []);
});

Deno.test("a board whose group names a missing pin fails at startup with a TypeError", async () => {
  const board = emptyBoard("broken");
  pinKind.of(board).push({ id: 0, name: "p0", driver: "x" });
  groupKind.of(board).push({ id: 0, name: "g", driver: "x", pins: [0, 3] });
  const drivers = new Map<string, BoardDriver>([["x", {
    name: "x",
    pinctrl: createSimPinctrl(emptyBoard(), "x", { timeScale: 0 }),
  }]]);
  const err = await build({ board, drivers, protocols: [pinctrlProtocol], agents: [] }).then(
    () => undefined,
    (e) => e,
  );
  assert(err instanceof TypeError, `got ${err}`);
  assert(err.message.includes("pin 3 is not on the board"), err.message);
});
