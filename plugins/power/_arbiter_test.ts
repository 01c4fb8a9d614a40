import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import type { PowerDesc } from "./kind.ts";
import { type PowerHw, PowerState } from "./hw.ts";
import { PowerArbiter } from "./_arbiter.ts";
import { turn } from "../../core/_wait_test.ts";

const { ON, OFF } = PowerState;
const RET = 0x00000001;
const DEEP = 0x40000001;

function dom(id: number, extra: Partial<PowerDesc> = {}): PowerDesc {
  return { id, name: `d${id}`, driver: "x", on: false, latencyUs: 0, async: false, ...extra };
}

/** A recording power controller with no rules, optionally slow. */
function recorder(ids: number[], slow = false) {
  const state = new Map<number, number>(ids.map((i) => [i, OFF]));
  const calls: [number, number][] = [];
  const hw: PowerHw = {
    getState: (id) => state.get(id)!,
    setState(id, s) {
      calls.push([id, s]);
      if (!slow) return void state.set(id, s);
      // A slow controller: the state changes a turn later.
      return turn().then(() => void state.set(id, s));
    },
  };
  const table: PowerHw[] = [];
  for (const i of ids) table[i] = hw;
  return { table, calls, state };
}

// 0 root → 1 mid → 2 leaf; 3 standalone with low-power states.
function tree(): PowerDesc[] {
  return [dom(0), dom(1, { parent: 0 }), dom(2, { parent: 1 }), dom(3, { states: [RET, DEEP] })];
}

Deno.test("arbiter: a domain is ON while any voter asks ON, OFF after the last one leaves", () => {
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 3, ON);
  a.request(2, 3, ON);
  a.request(1, 3, OFF);
  assertEquals(a.desired(3), ON);
  a.request(2, 3, OFF);
  assertEquals(a.desired(3), OFF);
});

Deno.test("arbiter: each voter sees its own request, OFF when it never asked", () => {
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 3, RET);
  assertEquals(a.view(1, 3), RET);
  assertEquals(a.view(2, 3), OFF);
  assertEquals(a.request(1, 3, ON), RET, "request returns the previous view");
  assertEquals(a.view(1, 3), ON);
});

Deno.test("arbiter: a child that is not OFF keeps its ancestors ON", () => {
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 2, ON);
  assertEquals([a.desired(0), a.desired(1), a.desired(2)], [ON, ON, ON]);
  a.request(1, 2, OFF);
  assertEquals([a.desired(0), a.desired(1), a.desired(2)], [OFF, OFF, OFF]);
});

Deno.test("arbiter: the shallowest requested low-power state wins; ON beats every one", () => {
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 3, DEEP);
  assertEquals(a.desired(3), DEEP);
  a.request(2, 3, RET);
  assertEquals(a.desired(3), RET);
  a.request(3, 3, ON);
  assertEquals(a.desired(3), ON);
  a.release(3);
  a.release(2);
  assertEquals(a.desired(3), DEEP);
});

Deno.test("arbiter: a domain on at power-on is kept ON whatever voters ask", () => {
  const descs = tree();
  descs[0] = dom(0, { on: true });
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(descs, table);
  a.request(1, 0, ON);
  a.request(1, 0, OFF);
  assertEquals(a.desired(0), ON);
  assertEquals(a.view(1, 0), OFF);
});

Deno.test("arbiter: reconcile powers ancestors root-first, then powers down leaf-first", () => {
  const { table, calls } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 2, ON);
  assertEquals(a.reconcile([2]), undefined, "sync drivers keep reconcile sync");
  assertEquals(calls, [[0, ON], [1, ON], [2, ON]]);
  calls.length = 0;
  a.request(1, 2, OFF);
  a.reconcile([2]);
  assertEquals(calls, [[2, OFF], [1, OFF], [0, OFF]]);
});

Deno.test("arbiter: reconcile switches only what differs and reports each switch", () => {
  const { table, calls } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 1, ON);
  const seen: [number, number][] = [];
  a.reconcile([1], (p, s) => seen.push([p, s]));
  a.request(2, 2, ON);
  a.reconcile([2], (p, s) => seen.push([p, s]));
  assertEquals(calls, [[0, ON], [1, ON], [2, ON]]);
  assertEquals(seen, calls);
});

Deno.test("arbiter: reconcile stops at the first driver failure", () => {
  const { table, calls } = recorder([0, 1, 2, 3]);
  table[1] = {
    getState: () => OFF,
    setState: () => {
      throw new Error("boom");
    },
  };
  const a = new PowerArbiter(tree(), table);
  a.request(1, 2, ON);
  assertThrows(() => a.reconcile([2]), Error, "boom");
  assertEquals(calls, [[0, ON]]);
});

Deno.test("arbiter: release withdraws every request of one voter and lists them", () => {
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  a.request(1, 2, ON);
  a.request(1, 3, RET);
  a.request(2, 3, DEEP);
  assertEquals(a.release(1).sort(), [2, 3]);
  assertEquals(a.desired(3), DEEP);
  assertEquals(a.desired(2), OFF);
  assertEquals(a.release(1), []);
});

Deno.test("arbiter: jobs run at once when idle and in order when a slow one is pending", async () => {
  const { table, calls } = recorder([0, 1, 2, 3], true);
  const a = new PowerArbiter(tree(), table);
  assertEquals(a.serial(() => 7), 7, "an idle queue runs the job synchronously");
  const order: string[] = [];
  const first = a.serial(() => {
    a.request(1, 2, ON);
    return Promise.resolve(a.reconcile([2])).then(() => order.push("first"));
  });
  assert(a.busy);
  const second = a.serial(() => {
    order.push(`second sees leaf ${a.state(2) === ON ? "ON" : "OFF"}`);
  });
  assert(second instanceof Promise, "a job behind a pending one is deferred");
  await first;
  await second;
  assertEquals(order, ["first", "second sees leaf ON"]);
  assertEquals(calls, [[0, ON], [1, ON], [2, ON]]);
  await turn();
  assertEquals(a.busy, false);
});

Deno.test("arbiter: a failed job does not block the queue", async () => {
  const { table } = recorder([0]);
  const a = new PowerArbiter([dom(0)], table);
  const failed = a.serial(() => Promise.reject(new Error("x")));
  const after = a.serial(() => "ran");
  await failed.catch(() => {});
  assertEquals(await after, "ran");
});

Deno.test("arbiter: accepts ON, OFF and declared states only", () => {
  const { table } = recorder([0, 1, 2, 3]);
  const a = new PowerArbiter(tree(), table);
  assertEquals([a.accepts(3, ON), a.accepts(3, OFF), a.accepts(3, RET)], [true, true, true]);
  assertEquals([a.accepts(0, RET), a.accepts(3, 0x2), a.accepts(9, ON)], [false, false, true]);
});

Deno.test("arbiter: board errors are refused at startup with the domain's name", () => {
  const { table } = recorder([0, 1, 2]);
  assertThrows(() => new PowerArbiter([dom(0, { parent: 7 })], table), TypeError, "parent 7");
  assertThrows(
    () => new PowerArbiter([dom(0, { parent: 1 }), dom(1, { parent: 0 })], table),
    TypeError,
    "loop",
  );
  assertThrows(
    () => new PowerArbiter([dom(0), dom(1, { parent: 0, on: true })], table),
    TypeError,
    `"d1" is on at power-on but its parent "d0" is off`,
  );
  assertThrows(() => new PowerArbiter([dom(0), dom(0)], table), TypeError, "declared twice");
  assertThrows(
    () => new PowerArbiter([dom(0, { states: [OFF] })], table),
    TypeError,
    "extra state",
  );
  assertThrows(
    () => new PowerArbiter([dom(0, { states: [0x10000000] })], table),
    TypeError,
    "bits 31, 29 and 28",
  );
});
