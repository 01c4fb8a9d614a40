/**
 * Fair turns on the virtio-scmi device, without timing: two agents' devices on one platform
 * over in-memory guests, a scheduler whose pause the test ends, and a protocol that records
 * the order in which commands are dispatched.
 */
import { assertEquals } from "../../core/_assert_test.ts";
import { recordRequest, settle, turnsPlatform } from "../../core/_turns_test.ts";
import type { Agent } from "../../core/agent.ts";
import type { Platform } from "../../core/platform.ts";
import { FeatureBit, featureMask, ScmiQueue } from "./features.ts";
import { GuestQueue, GuestRam } from "./_driver_test.ts";
import { VirtioScmiDevice } from "./scmi_device.ts";
import { sessionOpener } from "../../core/session_port.ts";

const VERSION_1 = featureMask(FeatureBit.VERSION_1);

/** One agent's guest: a cmdq of 32 entries and its started device. */
function guest(platform: Platform, agent: Agent) {
  const ram = new GuestRam(1 << 18);
  const cmd = new GuestQueue(ram, 32);
  let interrupts = 0;
  const dev = new VirtioScmiDevice(sessionOpener(platform, agent), {
    log: platform.log,
    signal: () => interrupts++,
  });
  dev.attachQueue(ScmiQueue.CMDQ, cmd.device(dev.setFeatures(VERSION_1)));
  dev.start();
  const answered: number[] = [];
  return {
    cmd,
    dev,
    get interrupts() {
      return interrupts;
    },
    /** Adds RECORD commands numbered from..from+count-1 and kicks the cmdq. */
    send(from: number, count: number) {
      for (let n = from; n < from + count; n++) {
        const req = recordRequest(n);
        cmd.add([{ write: false, len: req.length, data: req }, { write: true, len: 16 }]);
      }
      cmd.publish();
      dev.processCmdq();
    },
    /** The n of every reply published so far, in used-ring order. */
    answered() {
      for (const { id, len } of cmd.takeUsed()) {
        answered.push(len === 12 ? ram.dv.getUint32(cmd.partAddr(id, 1) - ram.base + 8, true) : -1);
      }
      return answered;
    },
  };
}

function rig(quota: number) {
  const t = turnsPlatform(quota);
  const [a, b] = t.agents.map((agent) => guest(t.platform, agent));
  return { ...t, a, b };
}

Deno.test("a guest that keeps its cmdq full is served in turns: another guest's commands go as they are kicked", async () => {
  const r = rig(4);
  r.a.send(0, 10);
  // a's first turn went at once; its other commands wait for the next round.
  assertEquals(r.dispatched, ["a0", "a1", "a2", "a3"]);
  assertEquals(r.a.answered(), [0, 1, 2, 3], "the turn's replies are published at its end");
  assertEquals(r.a.interrupts, 1);
  r.b.send(0, 3);
  // b's kick is served at once, before the round a waits for: not after a's backlog.
  assertEquals(r.dispatched.slice(4), ["b0", "b1", "b2"]);
  assertEquals(r.b.answered(), [0, 1, 2]);
  assertEquals(r.sched.waiting.map((x) => x.name), ["a"]);
  await settle(r.paused);
  r.release();
  await settle(() => r.paused() && r.dispatched.length === 11);
  assertEquals(r.dispatched.slice(7), ["a4", "a5", "a6", "a7"]);
  // a keeps adding commands; they join its backlog, still one turn a round.
  r.a.send(10, 6);
  assertEquals(r.dispatched.length, 11, "a kick while waiting for a turn dispatches nothing");
  r.release();
  await settle(() => r.paused() && r.dispatched.length === 15);
  assertEquals(r.dispatched.slice(11), ["a8", "a9", "a10", "a11"]);
  r.release();
  await settle(() => r.dispatched.length === 19);
  assertEquals(r.dispatched.slice(15), ["a12", "a13", "a14", "a15"]);
  assertEquals(r.a.answered(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  await settle(() => !r.paused());
  assertEquals(r.sched.waiting.length, 0);
});

Deno.test("a device reset while waiting for its turn serves nothing of the old queue", async () => {
  const r = rig(2);
  r.a.send(0, 5);
  assertEquals(r.dispatched, ["a0", "a1"]);
  r.a.dev.reset();
  await settle(r.paused);
  r.release();
  await settle(() => !r.paused() && r.sched.waiting.length === 0);
  assertEquals(r.dispatched, ["a0", "a1"]);
});

Deno.test("guests with no more than a turn's commands are served at once", () => {
  const r = rig(4);
  r.a.send(0, 4);
  r.b.send(0, 4);
  assertEquals(r.dispatched, ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"]);
  assertEquals(r.a.answered(), [0, 1, 2, 3]);
  assertEquals(r.b.answered(), [0, 1, 2, 3]);
  assertEquals(r.paused(), false);
});
