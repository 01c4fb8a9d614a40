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
  /** Transport type name, e.g. `stream`. */
  type: string;
  /** The rest of the agent's `transport` table: options the transport checks. */
  options: Record<string, unknown>;
}

export interface AgentInit {
  id: number;
  name: string;
  trusted?: boolean;
  /** Bytes a reply may carry after its status (and a request after its header). */
  maxMsgSize?: number;
  transport?: TransportDecl;
  grants?: Grants;
  /** What the keys protocols add to its `[[agent]]` table say, by key (`AgentKey.of`). */
  settings?: Readonly<Record<string, unknown>>;
  /** Most commands per second it may send; over it the dispatcher answers BUSY. */
  rateLimit?: RateLimit;
  /** How long its votes outlive its sessions (default: 0 s after a close, 60 s after a restart). */
  grace?: Partial<Grace>;
}

/** Default message-size limit, as Linux's virtio transport uses. */
export const DEFAULT_MAX_MSG_SIZE = 128;

/**
 * One agent as the deployment declares it: its id and name, trust, message size, transport, grants,
 * settings of protocols' agent keys, grace periods and rate limit. Every session of the agent shares this.
 */
export class Agent {
  /** SCMI agent id, 1 or more (0 is the platform); never reused on a running server. */
  readonly id: number;
  /** Name from the deployment manifest, unique on the platform. */
  readonly name: string;
  /**
   * May change other agents' permissions (BASE_SET_DEVICE_PERMISSIONS and friends) and act on the
   * whole system.
   */
  readonly trusted: boolean;
  /** Bytes a reply may carry after its status, and a request after its header. */
  readonly maxMsgSize: number;
  /** The transport declaration it is served on; undefined for agents made in code. */
  readonly transport: TransportDecl | undefined;
  /**
   * What it may use: protocols, devices, and per-kind maps from its virtual ids to physical ones.
   */
  readonly grants: Grants;
  /** What the keys protocols add to its `[[agent]]` table say, by key (`AgentKey.of`). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** How long its votes outlive its sessions; see `core/policy/grace.ts`. */
  readonly grace: Grace;
  /** Most commands per second it may send; undefined: no limit. */
  readonly rateLimit: RateLimit | undefined;
  /**
   * The rate limit's token bucket, shared by every session of the agent; null: no limit.
   * @internal
   */
  readonly bucket: TokenBucket | null;

  /**
   * Makes an agent from its declaration; the server builds them from the deployment.
   * @internal
   */
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
    this.settings = Object.freeze({ ...init.settings });
    this.grace = makeGrace(init.grace);
    this.rateLimit = init.rateLimit;
    this.bucket = init.rateLimit ? new TokenBucket(init.rateLimit) : null;
  }
}
