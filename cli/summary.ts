/**
 * What `vscmi serve` and `vscmi check` print about a platform: the board's resources, and
 * per agent its endpoint, trust, protocols with versions and visible resources.
 * @module
 */
import type { Agent } from "../core/agent.ts";
import { nounOf } from "../core/kind.ts";
import type { Platform } from "../core/platform.ts";
import { count, table, version } from "../client/mod.ts";

/** `12 clocks, 4 reset domains, …` for the kinds the board has, in each kind's own noun. */
export function boardResources(platform: Platform): string {
  const parts = Object.entries(platform.board.resources).filter(([, list]) => list.length > 0)
    .map(([k, list]) => count(list.length, nounOf(k)));
  const devices = platform.board.devices.length;
  if (devices > 0) parts.push(count(devices, "device"));
  return parts.length ? parts.join(", ") : "no resources";
}

/** `base 2.1, clock 3.0` — each protocol at the version the agent is offered. */
export function agentProtocols(platform: Platform, agent: Agent): string {
  return [...agent.grants.protocols.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, g]) => {
      const def = platform.protocols[id]?.def;
      if (!def) return `0x${id.toString(16)}`;
      return `${def.name} ${version(g.pin ?? def.versions[def.versions.length - 1])}`;
    }).join(", ");
}

/** `clock 7, reset 3` — resources the agent can see, per kind. */
export function agentResources(agent: Agent): string {
  const parts: string[] = [];
  for (const [k, map] of Object.entries(agent.grants.maps)) {
    let n = 0;
    for (const p of map.v2p) if (p >= 0) n++;
    if (n > 0) parts.push(`${k} ${n}`);
  }
  return parts.length ? parts.join(", ") : "none";
}

/**
 * Per agent a line with its name, where it connects and whether it is trusted, then its
 * protocols and its visible resources on lines of their own.
 */
export function agentTable(platform: Platform, where: (agent: Agent) => string): string {
  const agents = platform.agents;
  const heads = table(agents.map((a) => [a.name, where(a), a.trusted ? "trusted" : "untrusted"]))
    .split("\n");
  const pad = " ".repeat(2 + Math.max(0, ...agents.map((a) => a.name.length)) + 2);
  const out: string[] = [];
  agents.forEach((a, i) => {
    out.push(`  ${heads[i]}`);
    out.push(`${pad}protocols  ${agentProtocols(platform, a)}`);
    out.push(`${pad}resources  ${agentResources(a)}`);
  });
  return out.join("\n");
}

/** The call options that reach an endpoint address (`unix:…` / `tcp:…`), if it has one. */
export function callTarget(address: string): string | undefined {
  if (address.startsWith("unix:")) return `--socket ${address.slice(5)}`;
  if (address.startsWith("tcp:")) return `--tcp ${address.slice(4)}`;
  return undefined;
}
