/**
 * Sessions opened and closed many times on the bundled sim deployment leave nothing behind:
 * every structure kept per session or per context (the platform's sessions, each protocol's
 * contexts, clock rate subscriptions, watched sensors and power-capping domains, votes,
 * turns waiting) is back to its size before, and no timer is left running (the test
 * sanitizer checks that).
 * @module
 */
import { BUILTINS } from "../../builtins.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { buildPlatform } from "../../server/build.ts";
import { encodeHeader } from "../../core/header.ts";
import { Logger } from "../../core/log.ts";
import { defaultDeploymentPath, loadDeployment } from "../../server/manifest/mod.ts";
import { Msg } from "../../core/msg.ts";
import type { Platform } from "../../core/platform.ts";
import type { Session } from "../../core/session.ts";

const BASE = 0x10;
const SYSTEM = 0x12;
const SENSOR = 0x15;
const CLOCK = 0x14;
const POWERCAP = 0x18;

/**
 * Every command id 0–15 of every protocol, with 0 to 4 words of parameters (resource 0,
 * flag 1, then zeros) that switch notifications on, arm trip points and set votes where a
 * command takes them; minus the ones that change grants or the system's power state.
 */
function requests(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let proto = BASE; proto <= 0x19; proto++) {
    for (let id = 0; id < 16; id++) {
      if (proto === SYSTEM && id === 0x3) continue; // SYSTEM_POWER_STATE_SET
      if (proto === BASE && id >= 0x9 && id <= 0xb) continue; // permissions, agent reset
      // Each parameter size up to 4 words: one of them is the command's.
      for (let words = 0; words <= 4; words++) {
        const m = new Uint8Array(4 + 4 * words);
        const dv = new DataView(m.buffer);
        dv.setUint32(0, encodeHeader(id, 0, proto, id), true);
        if (words >= 2) dv.setUint32(8, 1, true);
        out.push(m);
      }
    }
  }
  return out;
}

/** Sizes of what the platform keeps per session or context. */
function census(p: Platform): Record<string, number> {
  const out: Record<string, number> = {
    sessions: p.sessions.size,
    waiting: p.scheduler.waiting.length,
  };
  for (const id of p.protocolIds) {
    out[`contexts:${p.protocols[id]!.def.name}`] = p.protocols[id]!.contexts.size;
  }
  const clock = p.protocols[CLOCK]!.shared as { subscriptions: number };
  out["clock:subscriptions"] = clock.subscriptions;
  const sensor = p.protocols[SENSOR]!.shared as {
    monitor: { watching: number[]; running: boolean };
  };
  out["sensor:watching"] = sensor.monitor.watching.length;
  out["sensor:timer"] = Number(sensor.monitor.running);
  const powercap = p.protocols[POWERCAP]!.shared as { monitor: { running: boolean } };
  out["powercap:timer"] = Number(powercap.monitor.running);
  for (const a of p.agents) out[`votes:${a.name}`] = p.votes.heldBy(a.id).length;
  return out;
}

async function send(p: Platform, s: Session, msgs: Uint8Array[]): Promise<void> {
  const m = new Msg();
  const reply = new Uint8Array(4096);
  for (const req of msgs) {
    m.r.reset(req, 0, req.length);
    m.w.reset(reply, 0, reply.length);
    await p.dispatch(s, m);
  }
}

Deno.test("sessions opened and closed 100 times per agent leave every per-session structure as it was", async () => {
  const log = new Logger();
  log.sink = () => {};
  const built = await buildPlatform(await loadDeployment(defaultDeploymentPath(), BUILTINS), {
    log,
    stateDir: null,
  });
  const p = built.platform;
  try {
    await p.ready;
    const before = census(p);
    const msgs = requests();
    let busiest: Record<string, number> = before;
    for (let round = 0; round < 100; round++) {
      const open = p.agents.map((a) =>
        p.openSession(a, { p2a: true, label: `${a.name}#${round}` })
      );
      for (const s of open) await send(p, s, msgs);
      if (round === 0) busiest = census(p);
      for (const s of open) p.closeSession(s);
    }
    // The requests did reach the structures, so the census below can tell.
    assert(busiest.sessions === p.agents.length, "sessions were open");
    assert(busiest["clock:subscriptions"] > 0, "clock rate notifications were on");
    assert(busiest["sensor:watching"] > 0, "a sensor was watched");
    assert(p.agents.some((a) => busiest[`votes:${a.name}`] > 0), "votes were held");
    assertEquals(census(p), before);
  } finally {
    await built.close();
  }
});
