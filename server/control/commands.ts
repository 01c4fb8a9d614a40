/**
 * The control commands: what each request of the control protocol does to the running
 * server. Permission changes go through `core/permissions.ts`, exactly as the Base permission
 * commands do, so revoking a resource releases the agent's votes on it through the plugins'
 * `onRevoke` hooks; agents come and go through the {@linkcode ControlHost} (the server
 * runner), which owns their transports.
 * @module
 */
import type { Agent } from "../../core/agent.ts";
import type { ResourceKind } from "../../core/board.ts";
import type { Platform } from "../../core/platform.ts";
import {
  resetAgentConfiguration,
  setDeviceAccess,
  setResourceAccess,
} from "../../core/permissions.ts";
import { type AnyProtocol, Right } from "../../core/protocol.ts";
import { ALL_RIGHTS } from "../../core/grants.ts";
import {
  type AgentInfo,
  agentInfo,
  type Endpoint,
  findAgent,
  findDevice,
  findResource,
  type ResourceInfo,
  resourceInfo,
} from "./inspect.ts";
import { ControlError, type GrantKind, type Request } from "./protocol.ts";
import { type Hold, voteReader } from "./votes.ts";

/** An agent added by `add-agent`. */
export interface AddedAgent {
  id: number;
  name: string;
  /** Its transport, once started. */
  transport: Endpoint | null;
}

/** What the control commands need from the server that runs them. */
export interface ControlHost {
  readonly platform: Platform;
  /** Where `agent`'s transport listens, if one runs for it. */
  endpoint(agent: Agent): Endpoint | undefined;
  /**
   * Loads the `[[agent]]` tables of `file`, adds each agent to the platform and starts its
   * transport: all of them, or none (ManifestError for a file with problems).
   */
  addAgents(file: string): Promise<AddedAgent[]>;
  /** Stops `agent`'s transport, ends its sessions (votes released) and removes it. */
  removeAgent(agent: Agent): Promise<void>;
  /** File URL of the plugin module that provides `protocol`; undefined for a built-in one. */
  moduleOf?(protocol: AnyProtocol): string | undefined;
}

/** One protocol `protocols` lists. */
export interface ServedProtocol {
  id: number;
  name: string;
  /** Names of the resource kinds it carries. */
  kinds: string[];
  /** File URL of its plugin module, null for a protocol built into the server. */
  module: string | null;
}

/** One resource that appeared, disappeared or changed rights for an agent. */
export interface Change {
  change: "shown" | "hidden" | "rights";
  kind: ResourceKind;
  /** Physical id. */
  id: number;
  name: string;
  /** The agent's id for it. */
  virtual: number;
  rights: "rw" | "r" | "-";
}

/** What `grant`, `revoke` and `reset-agent` answer. */
export interface GrantResult {
  agent: string;
  /** Resources that became visible, hidden, or changed rights, by kind then virtual id. */
  changes: Change[];
  /** Votes the agent no longer holds. */
  released: (Hold & { name: string })[];
  /** Things the operator should know, e.g. the agent does not use that kind's protocol. */
  warnings: string[];
}

/** What `remove-agent` answers. */
export interface RemoveResult {
  agent: string;
  id: number;
  released: (Hold & { name: string })[];
}

/** A snapshot of an agent's grants: per kind, virtual id → physical id and rights. */
type Snapshot = { [kind: ResourceKind]: { v2p: number[]; rights: number[] } };

function snapshot(agent: Agent): Snapshot {
  const out: Snapshot = {};
  for (const kind of Object.keys(agent.grants.maps)) {
    const m = agent.grants.map(kind);
    out[kind] = { v2p: [...m.v2p], rights: [...m.rights] };
  }
  return out;
}

function rightsText(bits: number): Change["rights"] {
  return (bits & Right.WRITE) !== 0 ? "rw" : (bits & Right.READ) !== 0 ? "r" : "-";
}

/** What changed in `agent`'s grants since `before`, by kind then virtual id. */
function diff(platform: Platform, agent: Agent, before: Snapshot): Change[] {
  const out: Change[] = [];
  for (const kind of Object.keys(agent.grants.maps)) {
    const m = agent.grants.map(kind);
    const old = before[kind] ?? { v2p: [], rights: [] };
    const name = (id: number) => findResource(platform, kind, id)?.name ?? "";
    const n = Math.max(old.v2p.length, m.v2p.length);
    for (let v = 0; v < n; v++) {
      const was = old.v2p[v] ?? -1;
      const is = m.v2p[v] ?? -1;
      if (was >= 0 && was !== is) {
        out.push({ change: "hidden", kind, id: was, name: name(was), virtual: v, rights: "-" });
      }
      if (is >= 0 && was !== is) {
        const rights = rightsText(m.rights[v]);
        out.push({ change: "shown", kind, id: is, name: name(is), virtual: v, rights });
      } else if (is >= 0 && old.rights[v] !== m.rights[v]) {
        const rights = rightsText(m.rights[v]);
        out.push({ change: "rights", kind, id: is, name: name(is), virtual: v, rights });
      }
    }
  }
  return out;
}

/** Votes in `before` that `after` no longer has. */
function released(
  platform: Platform,
  before: readonly Hold[],
  after: readonly Hold[],
): (Hold & { name: string })[] {
  const key = (h: Hold) => `${h.store}/${h.id}`;
  const still = new Set(after.map(key));
  return before.filter((h) => !still.has(key(h))).map((h) => ({
    ...h,
    name: findResource(platform, h.kind, h.id)?.name ?? "",
  }));
}

/** Kinds among `changes` that no protocol the agent may use carries. */
function unusedKinds(platform: Platform, agent: Agent, changes: readonly Change[]): string[] {
  const used = new Set<ResourceKind>();
  for (const id of agent.grants.protocols.keys()) {
    for (const k of platform.protocols[id]?.def.kinds ?? []) used.add(k.name);
  }
  const kinds = [...new Set(changes.filter((c) => c.change === "shown").map((c) => c.kind))];
  return kinds.filter((k) => !used.has(k)).map((k) =>
    `Agent "${agent.name}" uses no protocol that carries ${k} resources: ` +
    `the grant has no effect until it does`
  );
}

/** Runs `change` on `agent` and reports what it changed. */
function changing(platform: Platform, agent: Agent, change: () => void): GrantResult {
  const votes = voteReader(platform);
  const before = snapshot(agent);
  const held = votes.heldBy(agent.id);
  change();
  const changes = diff(platform, agent, before);
  return {
    agent: agent.name,
    changes,
    released: released(platform, held, votes.heldBy(agent.id)),
    warnings: unusedKinds(platform, agent, changes),
  };
}

function grant(
  platform: Platform,
  agent: Agent,
  kind: GrantKind,
  ref: string | number,
  opts: { virtual?: number; readOnly?: boolean },
): GrantResult {
  if (kind === "device") {
    if (opts.virtual !== undefined || opts.readOnly) {
      throw new ControlError(
        "bad-request",
        "A device is granted whole: virtual ids and read-only apply to single resources",
      );
    }
    const dev = findDevice(platform, ref);
    return changing(platform, agent, () => setDeviceAccess(platform, agent, dev.id, true));
  }
  const desc = findResource(platform, kind, ref);
  const map = agent.grants.map(kind);
  const v = map.toVirtual(desc.id);
  if (v >= 0) {
    if (opts.virtual !== undefined && opts.virtual !== v) {
      throw new ControlError(
        "conflict",
        `Agent "${agent.name}" already sees ${kind} "${desc.name}" as virtual id ${v}: revoke it first to move it`,
      );
    }
    if (opts.readOnly && (map.rights[v] & Right.WRITE) !== 0) {
      throw new ControlError(
        "conflict",
        `Agent "${agent.name}" may already change ${kind} "${desc.name}": revoke it first to grant it read-only`,
      );
    }
  } else if (opts.virtual !== undefined && map.toPhysical(opts.virtual) >= 0) {
    const other = map.toPhysical(opts.virtual);
    const otherName = platform.board.resources[kind]?.find((r) => r.id === other)?.name ??
      `#${other}`;
    throw new ControlError(
      "conflict",
      `Agent "${agent.name}" already uses virtual id ${opts.virtual} for ${kind} "${otherName}"`,
    );
  }
  return changing(platform, agent, () =>
    setResourceAccess(platform, agent, kind, desc.id, true, {
      rights: opts.readOnly ? Right.READ : ALL_RIGHTS,
      virtual: opts.virtual,
    }));
}

function revoke(
  platform: Platform,
  agent: Agent,
  kind: GrantKind,
  ref: string | number,
): GrantResult {
  if (kind === "device") {
    const dev = findDevice(platform, ref);
    return changing(platform, agent, () => setDeviceAccess(platform, agent, dev.id, false));
  }
  const desc = findResource(platform, kind, ref);
  return changing(platform, agent, () => setResourceAccess(platform, agent, kind, desc.id, false));
}

/**
 * Carries out one checked request on `host`. Resolves to the result the protocol answers —
 * once every vote change it caused (released votes) is on disk, when the server journals
 * votes; rejects with ControlError (or a ManifestError from add-agent) otherwise.
 */
export async function execute(host: ControlHost, req: Request): Promise<unknown> {
  const result = await run(host, req);
  await host.platform.votes.durable();
  return result;
}

async function run(host: ControlHost, req: Request): Promise<unknown> {
  const platform = host.platform;
  switch (req.cmd) {
    case "agents": {
      const votes = voteReader(platform);
      const agents: AgentInfo[] = platform.agents.map((a) =>
        agentInfo(platform, votes, a, host.endpoint(a))
      );
      return { agents };
    }
    case "resource": {
      const desc = findResource(platform, req.kind, req.resource);
      const info: ResourceInfo = await resourceInfo(
        platform,
        voteReader(platform),
        req.kind,
        desc,
      );
      return info;
    }
    case "grant":
      return grant(platform, findAgent(platform, req.agent), req.kind, req.resource, req);
    case "revoke":
      return revoke(platform, findAgent(platform, req.agent), req.kind, req.resource);
    case "reset-agent": {
      const agent = findAgent(platform, req.agent);
      const result = changing(
        platform,
        agent,
        () => resetAgentConfiguration(platform, agent, req.permissions ?? false),
      );
      return { ...result, permissions: req.permissions ?? false };
    }
    case "add-agent":
      return { agents: await host.addAgents(req.file) };
    case "protocols": {
      const protocols: ServedProtocol[] = platform.protocols.flatMap((rt) =>
        rt
          ? [{
            id: rt.def.id,
            name: rt.def.name,
            kinds: (rt.def.kinds ?? []).map((k) => k.name),
            module: host.moduleOf?.(rt.def) ?? null,
          }]
          : []
      );
      return { protocols };
    }
    case "remove-agent": {
      const agent = findAgent(platform, req.agent);
      const votes = voteReader(platform);
      const held = votes.heldBy(agent.id);
      await host.removeAgent(agent);
      const result: RemoveResult = {
        agent: agent.name,
        id: agent.id,
        released: released(platform, held, votes.heldBy(agent.id)),
      };
      return result;
    }
  }
}
