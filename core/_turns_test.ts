/**
 * Test helper for fair turns between agents, without timing: a platform of two agents `a`
 * and `b` whose scheduler pauses until the test ends the pause, and a protocol that records
 * the order in which messages are dispatched. Transports' fairness tests build on it.
 * @module
 */
import { Agent } from "./agent.ts";
import { emptyBoard } from "./board.ts";
import { encodeHeader } from "./header.ts";
import { Platform } from "./platform.ts";
import { defineProtocol } from "./protocol.ts";
import { Scheduler } from "./scheduler.ts";

/** The recording protocol's id. */
export const RECORDER = 0x80;
/** The recording protocol's command: a2p u32 n; records "<agent><n>", answers n. */
export const RECORD = 0x3;

/** A RECORD request (header and n), `n` also the token (mod 1024). */
export function recordRequest(n: number): Uint8Array {
  const m = new Uint8Array(8);
  const dv = new DataView(m.buffer);
  dv.setUint32(0, encodeHeader(RECORD, 0, RECORDER, n & 0x3ff), true);
  dv.setUint32(4, n, true);
  return m;
}

/** Lets pending promise callbacks and I/O callbacks run (a bounded number of loop turns). */
export async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) await new Promise<void>((r) => setImmediate(r));
}

/** The platform, its scheduler with turns of `quota` messages, and the pause's controls. */
export function turnsPlatform(quota: number) {
  const dispatched: string[] = [];
  const recorder = defineProtocol({
    api: 1,
    id: RECORDER,
    name: "recorder",
    versions: [0x10000],
    commands: {
      0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
      [RECORD]: {
        name: "RECORD",
        params: 4,
        run: (ctx, m) => {
          const n = m.r.u32();
          dispatched.push(`${ctx.agent.name}${n}`);
          m.w.u32(n);
        },
      },
    },
  });
  let release: (() => void) | null = null;
  const sched = new Scheduler({
    quota,
    pause: () => new Promise<void>((r) => release = r),
  });
  const agents = ["a", "b"].map((name, i) => {
    const a = new Agent({ id: i + 1, name });
    a.grants.protocols.delete(0x10);
    a.grants.protocols.set(RECORDER, {});
    return a;
  });
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents,
    protocols: [recorder],
    scheduler: sched,
  });
  platform.log.sink = () => {};
  return {
    platform,
    sched,
    agents,
    /** "<agent><n>" for each RECORD dispatched, in order. */
    dispatched,
    /** Whether a round is waiting for its pause to end. */
    paused: () => release !== null,
    /** Ends the pause before the waiting round. */
    release() {
      const r = release!;
      release = null;
      r();
    },
  };
}
