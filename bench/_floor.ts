/**
 * The dispatch floor: a bare hand-written switch over a DataView answering the benchmark
 * mix, with no policy, plugins, validation beyond what the bytes need, or drivers. It is
 * what the simplest possible server would cost, measured beside vscmi in the same run.
 * @module
 */
import { BENCH_CLOCKS, BENCH_RESETS } from "./_mix.ts";

const rates = new Float64Array(BENCH_CLOCKS).fill(25_000_000);
const enabled = new Uint8Array(BENCH_CLOCKS);
const resets = new Uint32Array(BENCH_RESETS);
const NAME = new TextEncoder().encode("clk");

/** Answers the request at byte `at` of `req` into `out`; returns the reply length. */
export function floorDispatch(req: DataView, at: number, out: DataView, outU8: Uint8Array): number {
  const h = req.getUint32(at, true);
  out.setUint32(0, h, true);
  out.setInt32(4, 0, true);
  const proto = (h >>> 10) & 0xff;
  const id = h & 0xff;
  switch ((proto << 8) | id) {
    case 0x1000: // Base PROTOCOL_VERSION
      out.setUint32(8, 0x20001, true);
      return 12;
    case 0x1403: { // CLOCK_ATTRIBUTES
      const c = req.getUint32(at + 4, true);
      out.setUint32(8, enabled[c], true);
      outU8.fill(0, 12, 28);
      outU8.set(NAME, 12);
      out.setUint32(28, 0, true);
      return 32;
    }
    case 0x1406: { // CLOCK_RATE_GET
      const r = rates[req.getUint32(at + 4, true)];
      out.setUint32(8, r >>> 0, true);
      out.setUint32(12, Math.floor(r / 0x1_0000_0000), true);
      return 16;
    }
    case 0x1405: { // CLOCK_RATE_SET
      const c = req.getUint32(at + 8, true);
      rates[c] = req.getUint32(at + 12, true) + req.getUint32(at + 16, true) * 0x1_0000_0000;
      return 8;
    }
    case 0x1407: // CLOCK_CONFIG_SET
      enabled[req.getUint32(at + 4, true)] = req.getUint32(at + 8, true) & 1;
      return 8;
    case 0x1604: // RESET
      resets[req.getUint32(at + 4, true)]++;
      return 8;
    default:
      out.setInt32(4, -1, true);
      return 8;
  }
}
