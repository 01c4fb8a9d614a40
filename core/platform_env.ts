/**
 * What a protocol plugin's `setup` receives: the board, its drivers, the agents, the vendor
 * identity and the log. Protocol-wide state is built from this once at startup.
 * @module
 */
import type { Agent } from "./agent.ts";
import type { Board } from "./board.ts";
import type { HwTable } from "./hw_table.ts";
import type { Logger } from "./log.ts";
import type { Session } from "./session.ts";

/** The platform's identity as Base DISCOVER_* reports it. */
export interface VendorInfo {
  /** Up to 15 ASCII characters. */
  vendor: string;
  subVendor: string;
  implementationVersion: number;
}

export interface PlatformEnv {
  readonly board: Board;
  readonly hw: HwTable;
  readonly vendor: VendorInfo;
  readonly log: Logger;
  /** Agents in id order (agent i has id i + 1). */
  agents(): readonly Agent[];
  /** Open sessions of every agent. */
  sessions(): Iterable<Session>;
  /** Protocol ids the platform implements, ascending, Base included. */
  protocolIds(): readonly number[];
}
