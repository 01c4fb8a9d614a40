/**
 * CLOCK_RATE_SET's status for a rate it refuses, at every clock version: a rate the clock
 * cannot produce (below its lowest or above its highest) → INVALID_PARAMETERS, whatever the
 * agent's bounds; a rate the clock supports outside the agent's min–max → OUT_OF_RANGE; one
 * outside the agent's allowed set → DENIED.
 */
import { assertEquals } from "../../core/_assert_test.ts";
import { Status, statusName } from "../../core/status.ts";
import type { AgentSpec } from "../../tests/harness.ts";
import { clockFixture } from "../../tests/vectors/clock/fixture.ts";
import { ClockMsg, ClockVersion } from "./msg.ts";
import { cmd, u64 } from "./_call_test.ts";

const MHZ = 1_000_000;
/** Physical ids (fixture.ts): pll_audio lists 1–20 MHz, uart0 12/24/48 MHz, sdmmc0 is a range. */
const AUDIO = 2;
const UART = 3;
const SDMMC = 4;

const VERSIONS = [ClockVersion.V1, ClockVersion.V2, ClockVersion.V3];

/** One bounded and one unbounded agent per version; each sees pll_audio 0, uart0 1, sdmmc0 2. */
const AGENTS: AgentSpec[] = VERSIONS.flatMap((v) => [
  {
    name: `bound${v >>> 16}`,
    protocols: { 0x14: v },
    grants: { clock: [AUDIO, UART, SDMMC] },
    bounds: {
      clock: [{ min: 3 * MHZ, max: 18 * MHZ }, { values: [12 * MHZ, 48 * MHZ] }, {
        max: 100 * MHZ,
      }],
    },
  },
  { name: `free${v >>> 16}`, protocols: { 0x14: v }, grants: { clock: [AUDIO, UART, SDMMC] } },
]);

/** [virtual id, rate, status for the bounded agent, status for the unbounded one, why]. */
const CASES: [number, number, Status, Status, string][] = [
  [0, 25 * MHZ, Status.INVALID_PARAMETERS, Status.INVALID_PARAMETERS, "above the clock's highest"],
  [0, 500_000, Status.INVALID_PARAMETERS, Status.INVALID_PARAMETERS, "below the clock's lowest"],
  [0, 19 * MHZ, Status.OUT_OF_RANGE, Status.SUCCESS, "supported, above the agent's max"],
  [0, 2 * MHZ, Status.OUT_OF_RANGE, Status.SUCCESS, "supported, below the agent's min"],
  [0, 10 * MHZ, Status.SUCCESS, Status.SUCCESS, "supported and within bounds"],
  [1, 96 * MHZ, Status.INVALID_PARAMETERS, Status.INVALID_PARAMETERS, "above the clock's highest"],
  [1, 24 * MHZ, Status.DENIED, Status.SUCCESS, "supported, not an allowed rate"],
  [2, 300 * MHZ, Status.INVALID_PARAMETERS, Status.INVALID_PARAMETERS, "above the range"],
  [2, 150 * MHZ, Status.OUT_OF_RANGE, Status.SUCCESS, "within the range, above the agent's max"],
];

for (const v of VERSIONS) {
  Deno.test(`clock ${v >>> 16}.0: RATE_SET → INVALID_PARAMETERS for a rate the clock cannot produce, OUT_OF_RANGE / DENIED for the agent's bounds`, async () => {
    const fx = await clockFixture(AGENTS);
    const got: string[] = [];
    const want: string[] = [];
    for (const [vid, rate, bounded, free, why] of CASES) {
      for (const [agent, status] of [[`bound${v >>> 16}`, bounded], [`free${v >>> 16}`, free]]) {
        const r = await cmd(fx, agent as string, ClockMsg.CLOCK_RATE_SET, [0, vid, ...u64(rate)]);
        got.push(`${agent} ${vid} ${rate} (${why}): ${statusName(r.status)}`);
        want.push(`${agent} ${vid} ${rate} (${why}): ${statusName(status as number)}`);
      }
    }
    assertEquals(got, want);
  });
}
