/**
 * Property: no sequence of SCMI requests (clock enables, rates, parents; resets held,
 * released and pulsed; power states) from a guest changes a register bit no resource
 * declares. The board packs clocks, resets and power domains into shared registers with
 * undeclared bits between them, the plain window starts with random contents, and the allowed
 * bits are computed here from the board text, independently of the driver's own bookkeeping.
 * @module
 */
import fc from "fast-check";
import { assert } from "../../../core/_assert_test.ts";
import { settled } from "../../../core/_wait_test.ts";
import type { BoardDriver } from "../../../core/driver.ts";
import { encodeHeader } from "../../../core/header.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { fixture } from "../../../tests/harness.ts";
import { MIXED_BOARD as BOARD, rig } from "./_fixture.ts";

/**
 * Bits each register may change, from MIXED_BOARD (_fixture.ts): window → offset → mask. On a
 * write-masked window a write also carries the enables, bits 31:16 over the field.
 */
const ALLOWED: Record<string, Record<number, number>> = {
  a: { 0x10: 0x1f, 0x20: (1 << 0) | (1 << 3) | (1 << 7), 0x24: 1 << 2 },
  b: { 0x0: (1 << 5) | (0b11 << 9) | (0b111 << 12) | (1 << 20), 0x8: 1 << 3 },
};
const MASKED: Record<string, boolean> = { a: true, b: false };

function allowedAt(win: string, off: number): number {
  const m = ALLOWED[win][off] ?? 0;
  return MASKED[win] ? (m | (m << 16)) >>> 0 : m;
}

const PROTO = { clock: 0x14, reset: 0x16, power: 0x11 };

const request = fc.oneof(
  // CLOCK_CONFIG_SET: clock_id, attributes (state in bits 1:0)
  fc.record({ p: fc.constant(PROTO.clock), m: fc.constant(0x7), a: fc.nat(8), b: fc.nat(3) })
    .map(({ p, m, a, b }) => [encodeHeader(m, 0, p, 1), a, b]),
  // CLOCK_RATE_SET: flags (round up / nearest), clock_id, rate (low, high)
  fc.record({
    f: fc.constantFrom(0, 4, 8),
    id: fc.nat(8),
    rate: fc.integer({ min: 0, max: 1_500_000_000 }),
  })
    .map(({ f, id, rate }) => [encodeHeader(0x5, 0, PROTO.clock, 2), f, id, rate, 0]),
  // CLOCK_PARENT_SET: clock_id, parent_id
  fc.record({ id: fc.nat(8), parent: fc.nat(8) })
    .map(({ id, parent }) => [encodeHeader(0xd, 0, PROTO.clock, 3), id, parent]),
  // RESET: domain_id, flags (autonomous, explicit assert), reset_state
  fc.record({ id: fc.nat(3), flags: fc.nat(3), state: fc.constantFrom(0, 0x8000_0001) })
    .map(({ id, flags, state }) => [encodeHeader(0x4, 0, PROTO.reset, 4), id, flags, state]),
  // POWER_STATE_SET: flags, domain_id, power_state (ON, OFF, a retention word)
  fc.record({ id: fc.nat(1), state: fc.constantFrom(0, 0x4000_0000, 0x0000_0003) })
    .map(({ id, state }) => [encodeHeader(0x4, 0, PROTO.power, 5), 0, id, state]),
);

Deno.test("no sequence of SCMI requests changes a register bit no resource declares", async () => {
  let writes = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
      fc.array(request, { minLength: 1, maxLength: 25 }),
      async (initB, requests) => {
        const clock = new ManualClock();
        const init = { b: Object.fromEntries(initB.map((w, i) => [i * 4, w >>> 0])) };
        const r = rig(BOARD, { clock, init });
        const f = await fixture({
          board: r.board,
          drivers: new Map<string, BoardDriver>([["r", r.driver]]),
          agents: [{
            name: "vm",
            protocols: {
              [PROTO.clock]: undefined,
              [PROTO.reset]: undefined,
              [PROTO.power]: undefined,
            },
            grants: { clock: [0, 1, 2, 3, 4, 5, 6], reset: [0, 1, 2], power: [0] },
          }],
        });
        let before = new Map([...r.words].map(([k, v]) => [k, v.slice()]));
        for (const words of requests) {
          const reply = f.words("vm", words);
          // Pulses and power-state polls wait on the manual clock: move it until the reply.
          while (!await settled(reply)) clock.advance(1);
          await reply;
          for (const [win, now] of r.words) {
            const was = before.get(win)!;
            for (let i = 0; i < now.length; i++) {
              const changed = (now[i] ^ was[i]) >>> 0;
              if (changed !== 0) writes++;
              const outside = changed & ~allowedAt(win, i * 4);
              assert(
                outside === 0,
                `window ${win} + 0x${(i * 4).toString(16)}: bits 0x${
                  (outside >>> 0).toString(16)
                } changed`,
              );
            }
          }
          before = new Map([...r.words].map(([k, v]) => [k, v.slice()]));
        }
      },
    ),
    { numRuns: 60 },
  );
  assert(
    writes > 20,
    `the requests changed registers only ${writes} times: do they reach the driver?`,
  );
});
