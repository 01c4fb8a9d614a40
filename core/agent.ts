/**
 * Agents: the guests and hosts that talk SCMI to the platform. Agent id 0 is the platform
 * itself; agents are numbered from 1 in manifest order.
 * @module
 */
import { Grants } from "./grants.ts";
import { type Grace, makeGrace } from "./policy/grace.ts";
import { type RateLimit, TokenBucket } from "./policy/rate_limit.ts";

/** Transport declaration from the deployment manifest (shape checked by the transport). */
export interface TransportDecl {
  type: string;
  options: Record<string, unknown>;
}

/**
 * What SYSTEM_POWER_STATE_SET from an agent does. A guest's request concerns its own VM;
 * `board` acts on the whole system through the board driver (trusted agents only).
 */
export type SystemPowerDecl =
  | { action: "deny" }
  | { action: "board" }
  /** Send QMP commands to the VM's monitor socket (system_reset, system_powerdown, quit…). */
  | { action: "qmp"; socket: string }
  /**
   * Run a command; `{state}` in any argument becomes shutdown, cold-reset, warm-reset,
   * power-up or suspend, and `{graceful}` becomes graceful or forceful.
   */
  | { action: "command"; argv: string[] };

export interface AgentInit {
  id: number;
  name: string;
  trusted?: boolean;
  /** Bytes a reply may carry after its status (and a request after its header). */
  maxMsgSize?: number;
  transport?: TransportDecl;
  grants?: Grants;
  /** Default: `board` for a trusted agent, `deny` otherwise. */
  systemPower?: SystemPowerDecl;
  /** Most commands per second it may send; over it the dispatcher answers BUSY. */
  rateLimit?: RateLimit;
  /** How long its votes outlive its sessions (default: 0 s after a close, 60 s after a restart). */
  grace?: Partial<Grace>;
}

/** Default message-size limit, as Linux's virtio transport uses. */
export const DEFAULT_MAX_MSG_SIZE = 128;

export class Agent {
  readonly id: number;
  readonly name: string;
  readonly trusted: boolean;
  readonly maxMsgSize: number;
  readonly transport: TransportDecl | undefined;
  readonly grants: Grants;
  readonly systemPower: SystemPowerDecl;
  /** How long its votes outlive its sessions; see `core/policy/grace.ts`. */
  readonly grace: Grace;
  readonly rateLimit: RateLimit | undefined;
  /** The rate limit's token bucket, shared by every session of the agent; null: no limit. */
  readonly bucket: TokenBucket | null;

  constructor(init: AgentInit) {
    if (!Number.isInteger(init.id) || init.id < 1 || init.id > 0xfffffffe) {
      throw new RangeError(`Agent "${init.name}": id must be 1 or more, got ${init.id}`);
    }
    this.id = init.id;
    this.name = init.name;
    this.trusted = init.trusted ?? false;
    this.maxMsgSize = init.maxMsgSize ?? DEFAULT_MAX_MSG_SIZE;
    this.transport = init.transport;
    this.grants = init.grants ?? new Grants();
    this.systemPower = init.systemPower ?? { action: this.trusted ? "board" : "deny" };
    this.grace = makeGrace(init.grace);
    this.rateLimit = init.rateLimit;
    this.bucket = init.rateLimit ? new TokenBucket(init.rateLimit) : null;
  }
}
