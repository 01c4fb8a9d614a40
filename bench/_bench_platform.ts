/**
 * The platform every benchmark drives: the bench board (64 clocks, 32 resets) on the `sim`
 * driver, agents granted everything (`bench`, or `bench1`…`benchN` when asked for more than
 * one), every built-in protocol registered.
 * @module
 */
import { Agent } from "../core/agent.ts";
import { buildHwTable } from "../core/hw_table.ts";
import { Platform } from "../core/platform.ts";
import { DRIVERS, PROTOCOLS } from "../builtins.ts";
import { BENCH_CLOCKS, BENCH_RESETS, benchBoard } from "./_mix.ts";

export async function benchPlatform(
  count = 1,
  clocks = BENCH_CLOCKS,
): Promise<{ platform: Platform; agent: Agent; agents: Agent[] }> {
  const board = benchBoard(clocks);
  const sim = DRIVERS.find((d) => d.name === "sim")!;
  const driver = await sim.create({ name: "sim", options: { time_scale: 0 }, board });
  const agents: Agent[] = [];
  for (let id = 1; id <= count; id++) {
    const agent = new Agent({ id, name: count === 1 ? "bench" : `bench${id}` });
    for (const p of [0x14, 0x16]) agent.grants.protocols.set(p, {});
    for (let i = 0; i < clocks; i++) agent.grants.maps.clock.grant(i);
    for (let i = 0; i < BENCH_RESETS; i++) agent.grants.maps.reset.grant(i);
    agents.push(agent);
  }
  const platform = new Platform({
    board,
    hw: buildHwTable(board, new Map([["sim", driver]])),
    vendor: { vendor: "vscmi", subVendor: "bench", implementationVersion: 1 },
    agents,
    protocols: [...PROTOCOLS],
  });
  platform.log.sink = () => {};
  return { platform, agent: agents[0], agents };
}
