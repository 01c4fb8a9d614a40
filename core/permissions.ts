/**
 * Run-time permission operations on the grant table (`core/grants.ts`): what Base
 * SET_DEVICE_PERMISSIONS, SET_PROTOCOL_PERMISSIONS and RESET_AGENT_CONFIGURATION change, kept
 * apart from the protocol so the policy layer and the CLI can reuse them.
 *
 * The model:
 * - An SCMI **device** (`Board.devices`) is a set of resources of several kinds. Granting a
 *   device to an agent adds each of its resources to the agent's per-kind {@linkcode IdMap}:
 *   one the deployment gave the agent comes with the rights, per-agent name and bounds the
 *   deployment declared for it (`Platform.defaultGrants`), so a re-grant never widens what
 *   the deployment restricted; one the deployment never gave it comes with full rights. A
 *   resource the agent already sees keeps its virtual id (and adds the rights), a new one gets
 *   the next virtual id (appended; ids never move and holes are never reused). Denying a
 *   device removes its resources (leaving holes) unless the agent still reaches a resource
 *   through another granted device; resources the deployment granted one by one are removed
 *   too when they belong to the denied device, since access is decided per device. Before a
 *   resource disappears, every plugin that carries its kind and has an `onRevoke` hook hears
 *   about it for each of the agent's open sessions, so votes and subscriptions are released;
 *   votes the agent holds on it without a session (grace period, restored after a restart)
 *   are withdrawn from the vote book as well.
 * - **Per-device protocol access** is recorded in `Grants.deniedProtocols` (device id → denied
 *   protocol ids). Denying protocol P on device D hides D's resources of the kinds P's
 *   definition lists (`ProtocolDef.kinds`: clock for 0x14, reset for 0x16, …) while the rest
 *   of D stays granted; allowing P again shows them again if D is granted. The denial is kept
 *   whether or not D is granted at the moment, so it can be set before the device is. Which
 *   protocols an agent may talk to at all is the deployment's choice and is not changed here;
 *   Base (0x10) has no device resources and cannot be named.
 * - **Reset**: every plugin drops what the agent configured (its contexts are closed and
 *   opened again, see `Platform.resetAgent`); with `resetPermissions` the agent's grants
 *   revert to the deployment's, as they were when the platform was built.
 * @module
 */
import type { Agent } from "./agent.ts";
import { type Board, type DeviceDesc, findResource, type ResourceKind } from "./board.ts";
import { ALL_RIGHTS, type Grants } from "./grants.ts";
import type { PlatformEnv } from "./platform_env.ts";
import { ctxRuntime } from "./session.ts";
import { Status } from "./status.ts";

/** The Base protocol's id: every agent always has it, no device resource belongs to it. */
const BASE = 0x10;

/** Where permissions are changed: the platform's environment, or anything holding one. */
export type PermissionTarget = PlatformEnv | { readonly env: PlatformEnv };

function envOf(t: PermissionTarget): PlatformEnv {
  return "env" in t ? t.env : t;
}

/** The device with id `deviceId` on `board`, if there is one. */
export function findDevice(board: Board, deviceId: number): DeviceDesc | undefined {
  return board.devices.find((d) => d.id === deviceId);
}

/** Whether `kind` resources of device `deviceId` are hidden from `g` by a protocol denial. */
function kindDenied(env: PlatformEnv, g: Grants, deviceId: number, kind: ResourceKind): boolean {
  const denied = g.deniedProtocols.get(deviceId);
  if (denied === undefined) return false;
  for (const p of denied) if (env.protocol(p)?.kinds?.some((k) => k.name === kind)) return true;
  return false;
}

/** Whether `g` still reaches `phys` through a granted device other than `except`. */
function reachedElsewhere(
  env: PlatformEnv,
  g: Grants,
  kind: ResourceKind,
  phys: number,
  except: number,
): boolean {
  for (const d of g.devices) {
    if (d === except) continue;
    const dev = findDevice(env.board, d);
    if (dev?.resources[kind]?.includes(phys) && !kindDenied(env, g, d, kind)) return true;
  }
  return false;
}

/** Tells the agent's plugins that `phys` is going away, then withdraws it from its map. */
function withdraw(env: PlatformEnv, agent: Agent, kind: ResourceKind, phys: number): void {
  const map = agent.grants.map(kind);
  if (!map.has(phys)) return;
  for (const s of env.sessions()) {
    if (s.agent !== agent || !s.open) continue;
    for (const ctx of s.ctxs) {
      const def = (ctx && ctxRuntime(ctx))?.def;
      if (!ctx || !def?.onRevoke || !def.kinds?.some((k) => k.name === kind)) continue;
      try {
        def.onRevoke(ctx, kind, phys);
      } catch (e) {
        env.log.error(`${def.name}: onRevoke of ${kind} ${phys} for "${agent.name}" failed: ${e}`);
      }
    }
  }
  // Votes outlive sessions (grace periods, votes restored after a restart): whatever the
  // hooks did not withdraw goes too. The book applies the hardware and logs failures.
  const book = env.votes;
  for (const store of book.stores()) {
    if (book.describe(store, phys)?.kind === kind) void book.withdraw(store, agent.id, phys);
  }
  map.revoke(phys);
}

/**
 * Grants `phys` of `kind` to `agent` with the per-agent name and bounds the deployment
 * declared for it, if any, and `rights` — by default the rights the deployment declared, or
 * full rights for a resource the deployment never gave the agent. `virtual` is where to show
 * it when it is new (default the next id).
 */
function regrant(
  env: PlatformEnv,
  agent: Agent,
  kind: ResourceKind,
  phys: number,
  rights?: number,
  virtual?: number,
): void {
  const declared = env.defaultGrants(agent).map(kind);
  const v = declared.toVirtual(phys);
  const map = agent.grants.map(kind);
  if (v < 0) {
    map.grant(phys, rights ?? ALL_RIGHTS, virtual);
    return;
  }
  map.grant(phys, rights ?? declared.rights[v], virtual, declared.names[v], declared.bounds[v]);
}

/** Adds `dev`'s resources of `kind` to the agent's view, unless a protocol denial hides them. */
function show(env: PlatformEnv, agent: Agent, dev: DeviceDesc, kind: ResourceKind): void {
  const ids = dev.resources[kind];
  if (ids === undefined || kindDenied(env, agent.grants, dev.id, kind)) return;
  for (const phys of ids) regrant(env, agent, kind, phys);
}

/** Removes `dev`'s resources of `kind` from the agent's view, except those reached otherwise. */
function hide(env: PlatformEnv, agent: Agent, dev: DeviceDesc, kind: ResourceKind): void {
  const ids = dev.resources[kind];
  if (ids === undefined) return;
  for (const phys of ids) {
    if (!reachedElsewhere(env, agent.grants, kind, phys, dev.id)) withdraw(env, agent, kind, phys);
  }
}

/**
 * Grants (`allow`) or denies `agent` access to SCMI device `deviceId`, as
 * BASE_SET_DEVICE_PERMISSIONS does. Returns NOT_FOUND for a device the board does not have,
 * SUCCESS otherwise (denying a device the agent does not hold changes nothing).
 *
 * @example
 * ```ts ignore
 * setDeviceAccess(platform, platform.agent("vm1")!, 3, true); // vm1 now sees device 3
 * ```
 */
export function setDeviceAccess(
  target: PermissionTarget,
  agent: Agent,
  deviceId: number,
  allow: boolean,
): Status {
  const env = envOf(target);
  const dev = findDevice(env.board, deviceId);
  if (dev === undefined) return Status.NOT_FOUND;
  const g = agent.grants;
  if (allow) {
    g.devices.add(deviceId);
    for (const kind of Object.keys(env.board.resources)) show(env, agent, dev, kind);
  } else {
    g.devices.delete(deviceId);
    for (const kind of Object.keys(env.board.resources)) hide(env, agent, dev, kind);
  }
  return Status.SUCCESS;
}

/**
 * Allows or denies `agent` the use of protocol `protocolId` on device `deviceId`, as
 * BASE_SET_PROTOCOL_PERMISSIONS does: the device's resources of the kinds that protocol
 * carries are shown or hidden (see the module doc). Returns NOT_FOUND for an unknown device,
 * for a protocol the platform does not implement, and for Base; SUCCESS otherwise.
 */
export function setProtocolAccess(
  target: PermissionTarget,
  agent: Agent,
  deviceId: number,
  protocolId: number,
  allow: boolean,
): Status {
  const env = envOf(target);
  const dev = findDevice(env.board, deviceId);
  const def = protocolId === BASE ? undefined : env.protocol(protocolId);
  if (dev === undefined || def === undefined) return Status.NOT_FOUND;
  const g = agent.grants;
  const kinds = (def.kinds ?? []).map((k) => k.name);
  let denied = g.deniedProtocols.get(deviceId);
  if (allow) {
    if (denied === undefined || !denied.delete(protocolId)) return Status.SUCCESS;
    if (denied.size === 0) g.deniedProtocols.delete(deviceId);
    if (g.devices.has(deviceId)) { for (const kind of kinds) show(env, agent, dev, kind); }
  } else {
    if (denied === undefined) g.deniedProtocols.set(deviceId, denied = new Set());
    denied.add(protocolId);
    for (const kind of kinds) hide(env, agent, dev, kind);
  }
  return Status.SUCCESS;
}

/** How {@linkcode setResourceAccess} grants a resource the agent does not see yet. */
export interface ResourceGrantOptions {
  /** Rights bits (default full rights; `Right.READ` alone makes it read-only). */
  rights?: number;
  /** Virtual id to show it at (default the next one); must be free. */
  virtual?: number;
}

/**
 * Grants (`allow`) or withdraws `agent`'s access to one resource, physical `phys` of `kind`,
 * as per-resource permission commands do (a protocol's SET_PERMISSIONS command). Granting
 * gives full rights (or `opts.rights`: an explicit grant of one resource may widen what the
 * deployment declared), with the per-agent name and bounds the deployment declared for it, at
 * the virtual id the agent already has for it or
 * the next one (or `opts.virtual`; RangeError when that id is taken or the agent already
 * sees the resource at another); withdrawing runs the plugins' `onRevoke` hooks for the
 * agent's open sessions, then leaves a hole. Returns NOT_FOUND when the board has no such
 * resource, SUCCESS otherwise.
 */
export function setResourceAccess(
  target: PermissionTarget,
  agent: Agent,
  kind: ResourceKind,
  phys: number,
  allow: boolean,
  opts: ResourceGrantOptions = {},
): Status {
  const env = envOf(target);
  if (findResource(env.board, kind, phys) === undefined) return Status.NOT_FOUND;
  if (allow) regrant(env, agent, kind, phys, opts.rights ?? ALL_RIGHTS, opts.virtual);
  else withdraw(env, agent, kind, phys);
  return Status.SUCCESS;
}

/**
 * Drops everything `agent` configured, as BASE_RESET_AGENT_CONFIGURATION does: each plugin
 * closes and re-opens the agent's contexts (votes and per-session state released). With
 * `resetPermissions` (flag bit 0) its grants revert to the deployment's in between.
 */
export function resetAgentConfiguration(
  target: PermissionTarget,
  agent: Agent,
  resetPermissions: boolean,
): void {
  const env = envOf(target);
  env.resetAgent(
    agent,
    resetPermissions ? () => agent.grants.copyFrom(env.defaultGrants(agent)) : undefined,
  );
}
