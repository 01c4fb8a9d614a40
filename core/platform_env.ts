/**
 * The platform as the core's own parts (permissions, the agent directory, the control
 * socket) see it: the board, its drivers, every agent and session. Plugins never get it: their
 * `setup` gets the narrow `SetupEnv` (`core/setup_env.ts`) and their handlers a `Ctx`.
 * @module
 */
import type { Agent } from "./agent.ts";
import type { Board } from "./board.ts";
import type { HwTable } from "./hw_table.ts";
import type { Grants } from "./grants.ts";
import type { Logger } from "./log.ts";
import type { AnyProtocol } from "./protocol.ts";
import type { Session } from "./session.ts";
import type { VoteBook } from "./policy/vote_book.ts";

/**
 * Told about every message the dispatcher answered PROTOCOL_ERROR (malformed traffic):
 * the session it came from and its header word.
 */
export type MalformedListener = (session: Session, header: number) => void;

/** The platform's identity as Base DISCOVER_* reports it. */
export interface VendorInfo {
  /** Up to 15 ASCII characters. */
  vendor: string;
  /** Up to 15 ASCII characters (BASE_DISCOVER_SUB_VENDOR). */
  subVendor: string;
  /** A 32-bit number (BASE_DISCOVER_IMPLEMENTATION_VERSION). */
  implementationVersion: number;
}

/**
 * What the core sees of the platform: the board, the drivers behind each resource, the agents
 * and their sessions, the votes, and the log. Not handed to plugins or transports.
 */
export interface PlatformEnv {
  /** The board as its manifest describes it. */
  readonly board: Board;
  /** The driver contract behind each physical resource, by kind. */
  readonly hw: HwTable;
  /** The platform's identity, as Base reports it. */
  readonly vendor: VendorInfo;
  /** Where plugins log; use `log.once` for anything a guest can trigger repeatedly. */
  readonly log: Logger;
  /**
   * Agents in id order. Ids start at 1 and have gaps once an agent was removed at run time
   * (hot-plug): look agents up by id with {@linkcode agentById}, not by position.
   */
  agents(): readonly Agent[];
  /** The agent with SCMI agent id `id` (1 or more), while it is on the platform. */
  agentById(id: number): Agent | undefined;
  /** Open sessions of every agent. */
  sessions(): Iterable<Session>;
  /** Protocol ids the platform implements, ascending, Base included. */
  protocolIds(): readonly number[];
  /** The registered definition of protocol `id`, if any. */
  protocol(id: number): AnyProtocol | undefined;
  /** The grants the deployment gave `agent`, as they were when the platform was built. */
  defaultGrants(agent: Agent): Grants;
  /**
   * Drops what `agent` configured: every protocol context of its open sessions is closed
   * (plugins release votes and per-session state) and opened again; `between` runs after
   * the closes and before the opens (e.g. to revert the agent's grants).
   */
  resetAgent(agent: Agent, between?: () => void): void;
  /** Registers `listener` for messages the dispatcher answers PROTOCOL_ERROR. */
  onMalformed(listener: MalformedListener): void;
  /**
   * Every agent's votes: plugins create their stores here in `setup` (see
   * `core/policy/vote_book.ts`); the platform releases an agent's votes when its grace
   * period ends or at an explicit end.
   */
  readonly votes: VoteBook;
}
