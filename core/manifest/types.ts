/**
 * What loading a deployment yields: the board model, the platform's identity, and each
 * agent's declaration with every name resolved to a physical id.
 * @module
 */
import type { TransportDecl } from "../agent.ts";
import type { AgentKey } from "../agent_keys.ts";
import type { Board, ResourceKind } from "../board.ts";
import type { Bounds } from "../grants.ts";
import type { VendorInfo } from "../platform_env.ts";
import type { Grace } from "../policy/grace.ts";
import type { RateLimit } from "../policy/rate_limit.ts";
import type { AnyProtocol } from "../protocol.ts";
import type { DriverDef } from "../driver.ts";
import type { Durability, TransportDef } from "../transport.ts";
import type { KindDef } from "../kind.ts";
import type { KeyPath } from "./problem.ts";

/** What an agent's `[[agent.<kind>]]` table says about one resource beyond granting it. */
export interface ResourceAccess {
  /** Rights bits: `Right.READ` alone for `access = "read"`, else read and write. */
  rights: number;
  /** The name the agent sees (`as`), when it differs from the board's. */
  name?: string;
  /** What the agent may set the resource's value to (`min`, `max`, `rates` …). */
  bounds?: Bounds;
}

/** One agent as the deployment declares it, references resolved. */
export interface AgentDecl {
  /** Its name, unique on the platform. */
  name: string;
  /** May change other agents' permissions. */
  trusted: boolean;
  /** Bytes a message may carry after its header (default 128). */
  maxMsgSize: number;
  /** How it is reached. */
  transport: TransportDecl;
  /** Protocols granted, Base first; `pin` is `(major << 16) | minor`. */
  protocols: { id: number; name: string; pin?: number }[];
  /**
   * Physical ids per kind, in the order the agent sees them (virtual id = index): explicit
   * `virtual` ids first, then members of the granted devices in device order, then the
   * direct grants, each at the lowest free id; each once. -1 marks a virtual id that
   * explicit ids leave unused.
   */
  grants: { [K in ResourceKind]?: number[] };
  /** Per kind, physical id → access, name and bounds its `[[agent.<kind>]]` table gives. */
  access?: { [K in ResourceKind]?: Map<number, ResourceAccess> };
  /** Per kind, physical id → where the manifest first grants it (for policy warnings). */
  origins?: { [K in ResourceKind]?: Map<number, KeyPath> };
  /** Most commands per second it may send (`rate_limit`); over it: BUSY. */
  rateLimit?: RateLimit;
  /** How long its votes outlive its sessions (`grace`); absent keys take the defaults. */
  grace?: Partial<Grace>;
  /** Physical ids of the SCMI devices granted as a whole. */
  devices: number[];
  /** What the keys protocols add to its table say, by key (`AgentKey.of`). */
  settings?: Record<string, unknown>;
  /** Line of the agent's table in the deployment file, for later errors. */
  line: number;
}

/** A loaded and checked deployment. */
export interface Deployment {
  /** Absolute path of the deployment manifest. */
  file: string;
  /** Absolute path of the board manifest it names. */
  boardFile: string;
  /** The board it serves, policy applied. */
  board: Board;
  /** The platform's identity (`[platform]`). */
  vendor: VendorInfo;
  /** Agents in manifest order; agent i has SCMI agent id i + 1. */
  agents: AgentDecl[];
  /** Absolute file URLs of extra protocol modules, in manifest order. */
  plugins: string[];
  /** Every protocol it may name: the built-in ones, then those its plugins provide. */
  protocols: readonly AnyProtocol[];
  /**
   * Directory of the vote journal (`[platform] state_dir`, absolute), null when the
   * manifest turns the journal off, absent for the server's default (`<run-dir>/state`).
   */
  stateDir?: string | null;
  /**
   * `[platform] durability` when it names one (`off` sets `stateDir` to null instead);
   * absent: the strictest its agents' transports ask for.
   */
  durability?: Durability;
  /** Driver types its plugin modules add (their `drivers` exports). */
  pluginDrivers?: readonly DriverDef[];
  /** Transport types its plugin modules add (their `transports` exports). */
  pluginTransports?: readonly TransportDef[];
  /** The protocols, drivers and transports it was loaded against, its plugins not included. */
  builtins: LoadOptions;
}

/**
 * What a deployment may name: the protocol plugins, board driver types and transport types
 * the program carries (the entry point's list of built-ins, `builtins.ts`, for `vscmi`). The
 * deployment's own `[platform] plugins` add to the protocols.
 */
export interface LoadOptions {
  /** Protocol plugins. */
  readonly protocols: readonly AnyProtocol[];
  /** Board driver types. */
  readonly drivers: readonly DriverDef[];
  /** Transport types. */
  readonly transports: readonly TransportDef[];
  /**
   * The resource kinds in play besides those the plugins add; default: those `protocols`
   * carry (a loader given a narrower protocol list for its checks may keep every kind).
   */
  readonly kinds?: readonly KindDef[];
  /**
   * The keys of `[[agent]]` tables in play besides those the plugins add; default: those
   * `protocols` carry (`ProtocolDef.agentKeys`).
   */
  readonly agentKeys?: readonly AgentKey[];
}
