/**
 * What loading a deployment yields: the board model, the platform's identity, and each
 * agent's declaration with every name resolved to a physical id.
 * @module
 */
import type { SystemPowerDecl, TransportDecl } from "../agent.ts";
import type { Board, ResourceKind } from "../board.ts";
import type { VendorInfo } from "../platform_env.ts";

/** One agent as the deployment declares it, references resolved. */
export interface AgentDecl {
  name: string;
  trusted: boolean;
  /** Bytes a message may carry after its header (default 128). */
  maxMsgSize: number;
  transport: TransportDecl;
  /** Protocols granted, Base first; `pin` is `(major << 16) | minor`. */
  protocols: { id: number; name: string; pin?: number }[];
  /**
   * Physical ids per kind, in the order the agent sees them (virtual id = index): members
   * of the granted devices first, in device order, then the direct grants; each once.
   */
  grants: { [K in ResourceKind]?: number[] };
  /** Physical ids of the SCMI devices granted as a whole. */
  devices: number[];
  /** Absent: the default for the agent (`board` when trusted, `deny` otherwise). */
  systemPower?: SystemPowerDecl;
  /** Line of the agent's table in the deployment file, for later errors. */
  line: number;
}

/** A loaded and checked deployment. */
export interface Deployment {
  /** Absolute path of the deployment manifest. */
  file: string;
  /** Absolute path of the board manifest it names. */
  boardFile: string;
  board: Board;
  vendor: VendorInfo;
  /** Agents in manifest order; agent i has SCMI agent id i + 1. */
  agents: AgentDecl[];
  /** Absolute file URLs of extra protocol modules, in manifest order. */
  plugins: string[];
}
