/**
 * What the operator sees: each agent (transport, sessions, protocols, resources, votes) and
 * each resource (policy, hardware state, votes, who sees it as which virtual id), as plain
 * JSON-able objects. Also the lookups of agents, resources and devices by name or id.
 * @module
 */
import type { Agent } from "../../core/agent.ts";
import type { DeviceDesc, ResourceDesc, ResourceKind } from "../../core/board.ts";
import { kindNamed } from "../../core/kind.ts";
import type { Platform } from "../../core/platform.ts";
import type { ValuePolicy } from "../../core/policy/values.ts";
import { Right, versionString } from "../../core/protocol.ts";
import { ControlError } from "./protocol.ts";
import type { Hold, StoreState, VoteReader } from "./votes.ts";

/** Where an agent's transport listens. */
export interface Endpoint {
  type: string;
  address: string;
}

/** One agent as `vscmi ctl agents` shows it. */
export interface AgentInfo {
  id: number;
  name: string;
  trusted: boolean;
  /** Its running transport; null when it has none. */
  transport: Endpoint | null;
  /** Sessions open now (0: the agent is not connected). */
  sessions: number;
  /** How long its votes outlive its sessions, seconds (`core/policy/grace.ts`). */
  grace: { closeS: number; restartS: number };
  /** Protocols it may use: the version offered, and what its open sessions negotiated. */
  protocols: { id: number; name: string; version: string; negotiated: string[] }[];
  /** SCMI devices granted as a whole, by name. */
  devices: string[];
  /** Visible resources per kind (kinds with none left out). */
  resources: Partial<Record<ResourceKind, number>>;
  /** Every vote it holds, with the resource's board name. */
  votes: (Hold & { name: string })[];
}

/** One agent's view of a resource. */
export interface Visibility {
  agent: string;
  agentId: number;
  /** The id the agent uses for it. */
  virtual: number;
  /** The name it sees, when the deployment renamed it for this agent. */
  name?: string;
  /** `rw`, or `r` for read-only. */
  rights: "rw" | "r";
}

/** One resource as `vscmi ctl resource` shows it. */
export interface ResourceInfo {
  kind: ResourceKind;
  id: number;
  name: string;
  /** Devices of the board it belongs to. */
  devices: string[];
  /** The arbitration policy the board or deployment declares for it, if any. */
  policy?: ValuePolicy;
  /** The board declares it kept on by the platform (or a store keeps it on). */
  kept: boolean;
  /** What its driver reports now (e.g. `enabled`, `rate`). */
  hardware: Record<string, number | boolean | string>;
  /** Arbitration state per vote store, votes named by agent. */
  stores: (Omit<StoreState, "votes" | "owner"> & {
    owner?: string;
    votes: { agent: string; value: boolean | number }[];
  })[];
  /** The agents that see it, and how. */
  visibility: Visibility[];
}

/**
 * The agent `ref` names: an agent name first, else an id (number or digit string). Throws
 * ControlError `not-found`.
 */
export function findAgent(platform: Platform, ref: string | number): Agent {
  if (typeof ref === "string") {
    const byName = platform.agent(ref);
    if (byName) return byName;
    if (!/^\d+$/.test(ref)) throw new ControlError("not-found", `No agent named "${ref}"`);
  }
  const id = Number(ref);
  const a = platform.agentById(id);
  if (!a) throw new ControlError("not-found", `No agent with id ${id} (or named "${ref}")`);
  return a;
}

function byRef<T extends { id: number; name: string }>(
  list: readonly T[],
  ref: string | number,
): T | undefined {
  if (typeof ref === "string") {
    const byName = list.find((r) => r.name === ref);
    if (byName || !/^\d+$/.test(ref)) return byName;
  }
  const id = Number(ref);
  return list.find((r) => r.id === id);
}

/** The `kind` resource `ref` names (name first, else physical id). Throws `not-found`. */
export function findResource(
  platform: Platform,
  kind: ResourceKind,
  ref: string | number,
): ResourceDesc {
  const r = byRef<ResourceDesc>(platform.board.resources[kind] ?? [], ref);
  if (!r) throw new ControlError("not-found", `The board has no ${kind} "${ref}"`);
  return r;
}

/** The device `ref` names (name first, else id). Throws `not-found`. */
export function findDevice(platform: Platform, ref: string | number): DeviceDesc {
  const d = byRef(platform.board.devices, ref);
  if (!d) throw new ControlError("not-found", `The board has no device "${ref}"`);
  return d;
}

function nameOf(platform: Platform, kind: ResourceKind, id: number): string {
  return platform.board.resources[kind]?.find((r) => r.id === id)?.name ?? `#${id}`;
}

function agentName(platform: Platform, id: number): string {
  return platform.agentById(id)?.name ?? `#${id}`;
}

/** Describes `agent`. */
export function agentInfo(
  platform: Platform,
  votes: VoteReader,
  agent: Agent,
  transport: Endpoint | undefined,
): AgentInfo {
  const sessions = [...platform.sessions].filter((s) => s.agent === agent && s.open);
  const protocols = [...agent.grants.protocols.entries()].sort(([a], [b]) => a - b).map(
    ([id, grant]) => {
      const def = platform.protocols[id]?.def;
      const newest = def ? def.versions[def.versions.length - 1] : 0;
      return {
        id,
        name: def?.name ?? `0x${id.toString(16)}`,
        version: versionString(grant.pin ?? newest),
        negotiated: sessions.flatMap((s) => {
          const ctx = s.ctxs[id];
          return ctx ? [versionString(ctx.version)] : [];
        }),
      };
    },
  );
  const resources: Partial<Record<ResourceKind, number>> = {};
  for (const kind of Object.keys(platform.board.resources)) {
    let n = 0;
    for (const p of agent.grants.map(kind).v2p) if (p >= 0) n++;
    if (n > 0) resources[kind] = n;
  }
  const devices = [...agent.grants.devices].sort((a, b) => a - b).map((d) =>
    platform.board.devices.find((x) => x.id === d)?.name ?? `#${d}`
  );
  return {
    id: agent.id,
    name: agent.name,
    trusted: agent.trusted,
    transport: transport ?? null,
    sessions: sessions.length,
    grace: { closeS: agent.grace.closeS, restartS: agent.grace.restartS },
    protocols,
    devices,
    resources,
    votes: votes.heldBy(agent.id).map((h) => ({ ...h, name: nameOf(platform, h.kind, h.id) })),
  };
}

/** What the driver behind `kind` resource `phys` reports now; errors become `error`. */
async function hardware(
  platform: Platform,
  kind: ResourceKind,
  phys: number,
): Promise<Record<string, number | boolean | string>> {
  const hw = platform.env.hw;
  const out: Record<string, number | boolean | string> = {};
  try {
    const def = kindNamed(kind);
    const drv = def?.hwOf(hw)[phys];
    if (def?.inspect && drv !== undefined) Object.assign(out, await def.inspect(drv, phys));
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}

/** Describes `kind` resource `desc`: its arbitration state and who sees it. */
export async function resourceInfo(
  platform: Platform,
  votes: VoteReader,
  kind: ResourceKind,
  desc: ResourceDesc,
): Promise<ResourceInfo> {
  const phys = desc.id;
  const stores = votes.describe(kind, phys).map((s) => {
    const { votes: list, owner, ...rest } = s;
    const out: ResourceInfo["stores"][number] = {
      ...rest,
      votes: list.map((v) => ({ agent: agentName(platform, v.agent), value: v.value })),
    };
    if (owner !== undefined) out.owner = agentName(platform, owner);
    return out;
  });
  const visibility: Visibility[] = [];
  for (const a of platform.agents) {
    const map = a.grants.map(kind);
    const v = map.toVirtual(phys);
    if (v < 0) continue;
    const seen: Visibility = {
      agent: a.name,
      agentId: a.id,
      virtual: v,
      rights: (map.rights[v] & Right.WRITE) !== 0 ? "rw" : "r",
    };
    const name = map.names[v];
    if (name !== undefined) seen.name = name;
    visibility.push(seen);
  }
  const info: ResourceInfo = {
    kind,
    id: phys,
    name: desc.name,
    devices: platform.board.devices.filter((d) => d.resources[kind]?.includes(phys)).map((d) =>
      d.name
    ),
    kept: desc.kept === true || stores.some((s) => s.kept === true),
    hardware: await hardware(platform, kind, phys),
    stores,
    visibility,
  };
  if (desc.policy !== undefined) info.policy = desc.policy;
  return info;
}
