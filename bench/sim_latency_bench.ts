/**
 * The sim driver's declared latencies as real waits: a clock rate change declared to take
 * 50 µs, awaited through the driver (no 1 ms timer floor), beside the same change declared
 * immediate.
 *
 * Run: `deno task bench`
 * @module
 */
import { clockKind } from "../plugins/clock/kind.ts";
import { DRIVERS } from "../builtins.ts";
import { benchBoard } from "./_mix.ts";

const board = benchBoard();
const clocks = clockKind.of(board);
clocks[0].latencyUs = 50;
const sim = DRIVERS.find((d) => d.name === "sim")!;
const driver = await sim.create({ name: "sim", options: { time_scale: 1 }, board });
const hw = clockKind.hw.of(driver)!;
const rates = clocks[0].rates;
if (rates.kind !== "list") throw new Error("the bench board's clocks list their rates");
let k = 0;

Deno.bench("declared 0 µs", { group: "sim latency", baseline: true }, async () => {
  await hw.setRate(1, rates.rates[k++ % rates.rates.length], "down");
});

Deno.bench("declared 50 µs", { group: "sim latency" }, async () => {
  await hw.setRate(0, rates.rates[k++ % rates.rates.length], "down");
});
