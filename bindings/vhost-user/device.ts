/**
 * What the vhost-user back-end drives: a virtio device model that knows nothing of
 * vhost-user. The back-end negotiates features, maps memory, translates ring addresses to
 * guest-physical ones and turns kicks into calls of this interface; the device walks the
 * rings and signals used buffers through the callback it was given.
 * @module
 */
import type { MappedRegion } from "./mem_table.ts";

/** A ring ready to run, every address guest-physical. */
export interface RingConfig {
  /** Queue size (a power of two). */
  readonly size: number;
  readonly desc: number;
  /** The available ring (driver area). */
  readonly avail: number;
  /** The used ring (device area). */
  readonly used: number;
  /** The next available-ring index to process (from SET_VRING_BASE or the last stop). */
  readonly base: number;
}

export interface BackendDevice {
  /** Virtio feature bits the device implements (the back-end adds PROTOCOL_FEATURES). */
  readonly features: bigint;
  /** Number of virtqueues (2 for SCMI: cmdq, eventq). */
  readonly queues: number;
  /** The driver's accepted features (PROTOCOL_FEATURES removed). */
  setFeatures(features: bigint): void;
  /** Guest memory was (re)mapped; rings started later use it. */
  setMemory(regions: readonly MappedRegion[]): void;
  /**
   * Ring `index` starts (or restarts over new memory). `signal` interrupts the guest for
   * this ring (writes its call eventfd).
   */
  startQueue(index: number, ring: RingConfig, signal: () => void): void;
  /** Ring `index` stops; returns the next available-ring index it would have processed. */
  stopQueue(index: number): number;
  /** The guest kicked ring `index`: process what it made available. */
  kick(index: number): void;
  /**
   * Every ring has stopped or the front-end reset the device (`how` = "end": an explicit
   * end, the agent's votes go at once), or the front-end went away ("close": the agent's
   * votes stay for its grace period, waiting for a reconnect).
   */
  reset(how?: "end" | "close"): void;
}
