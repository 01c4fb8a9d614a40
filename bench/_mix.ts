/**
 * The six-message benchmark mix, equal weights: Base PROTOCOL_VERSION, CLOCK_ATTRIBUTES,
 * CLOCK_RATE_GET, CLOCK_RATE_SET, CLOCK_CONFIG_SET and RESET (autonomous), over a bench
 * board of 64 clocks and 32 resets. Shared by the dispatch and socket benchmarks.
 * @module
 */
import { clockKind } from "../plugins/clock/kind.ts";
import { resetKind } from "../plugins/reset/kind.ts";
import { type Board, emptyBoard } from "../core/board.ts";
import { encodeHeader } from "../core/header.ts";

export const BENCH_CLOCKS = 64;
export const BENCH_RESETS = 32;
const RATES = [25_000_000, 50_000_000, 100_000_000, 200_000_000];

/** 64 list-rate clocks and 32 resets, all on the `sim` driver, no latency. */
export function benchBoard(clocks = BENCH_CLOCKS): Board {
  const b = emptyBoard("bench");
  b.drivers.push({ name: "sim", type: "sim", options: { time_scale: 0 } });
  for (let i = 0; i < clocks; i++) {
    clockKind.of(b).push({
      id: i,
      name: `clk${i}`,
      driver: "sim",
      rates: { kind: "list", rates: RATES },
      rate: RATES[0],
      enabled: false,
      parents: [],
      latencyUs: 0,
    });
  }
  for (let i = 0; i < BENCH_RESETS; i++) {
    resetKind.of(b).push({ id: i, name: `rst${i}`, driver: "sim", latencyUs: 0, async: false });
  }
  return b;
}

function msg(words: number[]): Uint8Array {
  const u8 = new Uint8Array(words.length * 4);
  const dv = new DataView(u8.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return u8;
}

/**
 * The mix as request messages (header + parameters), cycling over clock and reset ids so no
 * single resource stays hot. `n` messages per kind, clock ids below `clocks` taken `stride`
 * apart (a large stride spreads them over a large board).
 */
export function mixMessages(n = 16, clocks = BENCH_CLOCKS, stride = 7): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const clk = (i * stride) % clocks;
    const rst = (i * 5) % BENCH_RESETS;
    const tok = i & 0x3ff;
    out.push(msg([encodeHeader(0x0, 0, 0x10, tok)])); // Base PROTOCOL_VERSION
    out.push(msg([encodeHeader(0x3, 0, 0x14, tok), clk])); // CLOCK_ATTRIBUTES
    out.push(msg([encodeHeader(0x6, 0, 0x14, tok), clk])); // CLOCK_RATE_GET
    out.push(msg([encodeHeader(0x5, 0, 0x14, tok), 0, clk, RATES[i & 3], 0])); // CLOCK_RATE_SET sync
    out.push(msg([encodeHeader(0x7, 0, 0x14, tok), clk, i & 1, 0])); // CLOCK_CONFIG_SET v3 enable/disable
    out.push(msg([encodeHeader(0x4, 0, 0x16, tok), rst, 1, 0])); // RESET autonomous
  }
  return out;
}

/** The mix packed into one buffer, as a transport's receive buffer holds it. */
export interface PackedMix {
  buf: Uint8Array;
  offsets: number[];
  lengths: number[];
}

export function packMix(messages: Uint8Array[]): PackedMix {
  const total = messages.reduce((n, m) => n + m.length, 0);
  const buf = new Uint8Array(total);
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = 0;
  for (const m of messages) {
    buf.set(m, at);
    offsets.push(at);
    lengths.push(m.length);
    at += m.length;
  }
  return { buf, offsets, lengths };
}
