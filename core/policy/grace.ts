/**
 * Grace periods: how long an agent's votes stay in force while it has no session, waiting
 * for it to come back.
 *
 * - After its last session closes (a stream connection drops): `closeS` seconds, default 0
 *   — a disconnect releases at once.
 * - After a server restart, for votes restored from the journal: `restartS` seconds,
 *   default 60.
 *
 * A session of the agent opening before the period ends cancels the release: the votes are
 * its own again. An explicit end (`Platform.endAgent`, RESET_AGENT_CONFIGURATION, a device
 * reset, `vscmi ctl remove-agent`) releases at once and cancels any pending release.
 * @module
 */

/** An agent's grace periods, seconds. */
export interface Grace {
  /** After its last session closes (default 0). */
  readonly closeS: number;
  /** After a server restart, for restored votes (default 60). */
  readonly restartS: number;
}

export const DEFAULT_GRACE: Grace = Object.freeze({ closeS: 0, restartS: 60 });

/** Longest grace accepted: a day. */
export const MAX_GRACE_S = 86_400;

/** Checks and completes a partial declaration; throws RangeError naming the bad field. */
export function makeGrace(g: Partial<Grace> | undefined): Grace {
  const out = { ...DEFAULT_GRACE, ...g };
  for (const k of ["closeS", "restartS"] as const) {
    const v = out[k];
    if (!(typeof v === "number" && v >= 0 && v <= MAX_GRACE_S)) {
      throw new RangeError(`Grace ${k} must be 0 to ${MAX_GRACE_S} seconds, got ${v}`);
    }
  }
  return Object.freeze(out);
}

/** Why a release is pending. */
export type GraceReason = "close" | "restart";

/** A timer handle, whatever the runtime's timers return. */
export type TimerId = ReturnType<typeof setTimeout>;

/** Timer functions, replaceable in tests. */
export interface GraceClock {
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

const REAL_CLOCK: GraceClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** Pending releases per agent id. */
export class GraceTimers {
  readonly #timers = new Map<number, { id: TimerId; reason: GraceReason; at: number }>();
  readonly #release: (agent: number, reason: GraceReason) => void;
  readonly #clock: GraceClock;

  /** `release(agent, reason)` runs when a period ends without the agent coming back. */
  constructor(release: (agent: number, reason: GraceReason) => void, clock = REAL_CLOCK) {
    this.#release = release;
    this.#clock = clock;
  }

  /**
   * Starts agent `agent`'s period of `seconds` (replacing a pending one). Zero releases now,
   * synchronously, and returns true; otherwise returns false.
   */
  start(agent: number, seconds: number, reason: GraceReason): boolean {
    this.cancel(agent);
    if (seconds <= 0) {
      this.#release(agent, reason);
      return true;
    }
    const id = this.#clock.setTimeout(() => {
      const t = this.#timers.get(agent);
      if (t === undefined || t.id !== id) return;
      this.#timers.delete(agent);
      this.#release(agent, reason);
    }, seconds * 1000);
    this.#timers.set(agent, { id, reason, at: Date.now() + seconds * 1000 });
    return false;
  }

  /** Cancels agent `agent`'s pending release; returns whether one was pending. */
  cancel(agent: number): boolean {
    const t = this.#timers.get(agent);
    if (t === undefined) return false;
    this.#clock.clearTimeout(t.id);
    this.#timers.delete(agent);
    return true;
  }

  /** The pending release of `agent`: why, and when it is due (ms since the epoch). */
  pending(agent: number): { reason: GraceReason; at: number } | undefined {
    const t = this.#timers.get(agent);
    return t && { reason: t.reason, at: t.at };
  }

  /** Cancels every pending release (the server stops; the votes stay journaled). */
  clear(): void {
    for (const t of this.#timers.values()) this.#clock.clearTimeout(t.id);
    this.#timers.clear();
  }
}
