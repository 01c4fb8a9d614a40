/**
 * Dispatch cost against the deployment's size: one message of the six-message mix through
 * `platform.dispatch`, with 1 or 64 agents (each voting on the same shared clock, the mix's
 * messages rotating over the agents), and on boards of 10 or 10,000 clocks (the mix's clock
 * ids spread over the board). Flat means each pair stays near 1×.
 *
 * Run: `deno task bench`
 * @module
 */
import { Msg } from "../core/msg.ts";
import type { Session } from "../core/session.ts";
import { encodeHeader } from "../core/header.ts";
import { mixMessages, packMix } from "./_mix.ts";
import { benchPlatform } from "./_bench_platform.ts";

/** A closure dispatching the next message of `mix` for the next session. */
async function rig(agents: number, clocks: number, stride: number): Promise<() => number> {
  const { platform, agents: list } = await benchPlatform(agents, clocks);
  const sessions: Session[] = list.map((a) => platform.openSession(a, { p2a: true }));
  const out = new Uint8Array(8 + 128);
  const m = new Msg();
  const send = (s: Session, words: number[]) => {
    const u8 = new Uint8Array(words.length * 4);
    const dv = new DataView(u8.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
    m.r.reset(u8, 0, u8.length);
    m.w.reset(out, 0, out.length);
    platform.dispatch(s, m);
  };
  // Every agent votes for the shared clock 0: an enable and a rate.
  for (const s of sessions) {
    send(s, [encodeHeader(0x7, 0, 0x14, 1), 0, 1, 0]);
    send(s, [encodeHeader(0x5, 0, 0x14, 2), 0, 0, 50_000_000, 0]);
  }
  const mix = packMix(mixMessages(16, clocks, stride));
  const n = mix.offsets.length;
  let i = 0;
  const one = () => {
    const k = i++;
    m.r.reset(mix.buf, mix.offsets[k % n], mix.lengths[k % n]);
    m.w.reset(out, 0, out.length);
    return platform.dispatch(sessions[k % sessions.length], m) as number;
  };
  for (let k = 0; k < n; k++) {
    if (one() < 8 || new DataView(out.buffer).getInt32(4, true) !== 0) {
      throw new Error(`mix message ${k % 6} failed: the bench would measure an error path`);
    }
  }
  return one;
}

const one = await rig(1, 64, 7);
const sixtyFour = await rig(64, 64, 7);
Deno.bench("agents=1", { group: "dispatch vs agents", baseline: true }, () => void one());
Deno.bench("agents=64", { group: "dispatch vs agents" }, () => void sixtyFour());

const ten = await rig(1, 10, 7);
const tenThousand = await rig(1, 10_000, 7919);
Deno.bench("clocks=10", { group: "dispatch vs clocks", baseline: true }, () => void ten());
Deno.bench("clocks=10000", { group: "dispatch vs clocks" }, () => void tenThousand());
