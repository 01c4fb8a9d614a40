/**
 * Deadlines for the frames of one connection: a frame being received ("in") or written
 * ("out") must be done within a fixed time of its start, or the connection is stalled. The
 * transports use it so that a peer that sends half a frame, or stops reading, cannot hold
 * its agent's connection slot.
 *
 * One timer at most per watch, armed lazily: starting and stopping a lane only records a
 * time, and a timer that finds its lane already done re-arms for the next deadline or not
 * at all. A steady stream of frames costs one timer per period, not one per frame.
 * @module
 */
import { OptionError } from "./options.ts";
import { systemClock, type TimerClock } from "./timer_clock.ts";

/** Default time a frame may take from its first byte to its last, in milliseconds. */
export const DEFAULT_FRAME_TIMEOUT_MS = 2000;
/** Upper bound of a transport's `frame_timeout_ms` (one minute). */
export const MAX_FRAME_TIMEOUT_MS = 60_000;

/**
 * Checks a transport's `frame_timeout_ms` option (absent: the default). Throws OptionError
 * naming the option.
 */
export function checkFrameTimeout(value: unknown): number {
  const v = value ?? DEFAULT_FRAME_TIMEOUT_MS;
  const ms = typeof v === "bigint" ? Number(v) : v;
  if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 1 || ms > MAX_FRAME_TIMEOUT_MS) {
    throw new OptionError(
      "frame_timeout_ms",
      `an integer from 1 to ${MAX_FRAME_TIMEOUT_MS}`,
      value,
    );
  }
  return ms;
}

/** Which direction a frame travels: being read from the peer, or written to it. */
export type StallLane = "in" | "out";

export class StallWatch {
  readonly ms: number;
  readonly #clock: TimerClock;
  readonly #onStall: (lane: StallLane) => void;
  /** Start times of the frame in progress per lane; NaN: none. */
  #in = NaN;
  #out = NaN;
  #timer: unknown = null;
  /** When the armed timer fires. */
  #due = Infinity;
  #disposed = false;

  /** `onStall` runs once, on the first frame found more than `ms` old; the watch then stops. */
  constructor(ms: number, onStall: (lane: StallLane) => void, clock: TimerClock = systemClock) {
    this.ms = ms;
    this.#onStall = onStall;
    this.#clock = clock;
  }

  /** Now, on the watch's clock. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * A frame started on `lane` at `since` (default now). A frame already running on the lane
   * keeps its own start unless `since` is given.
   */
  start(lane: StallLane, since?: number): void {
    if (this.#disposed) return;
    if (lane === "in") {
      if (since === undefined && this.#in === this.#in) return;
      this.#in = since ?? this.#clock.now();
    } else {
      if (since === undefined && this.#out === this.#out) return;
      this.#out = since ?? this.#clock.now();
    }
    // A frame dated back may fall due before the armed timer.
    if (this.#timer === null || (since !== undefined && since + this.ms < this.#due)) this.#arm();
  }

  /** The frame on `lane` is done (or there is none). */
  stop(lane: StallLane): void {
    if (lane === "in") this.#in = NaN;
    else this.#out = NaN;
  }

  /** Whether a frame is in progress on either lane. */
  get busy(): boolean {
    return this.#in === this.#in || this.#out === this.#out;
  }

  /** When the earliest frame in progress falls due; Infinity when none is. */
  get due(): number {
    return Math.min(
      this.#in === this.#in ? this.#in : Infinity,
      this.#out === this.#out ? this.#out : Infinity,
    ) + this.ms;
  }

  /**
   * Checks the deadlines now: a frame older than `ms` calls `onStall` (once) and returns
   * true. Also what the timer does when it fires.
   */
  check(): boolean {
    if (this.#disposed) return false;
    const old = this.#clock.now() - this.ms;
    const lane: StallLane | null = this.#in <= old ? "in" : this.#out <= old ? "out" : null;
    if (lane === null) return false;
    this.dispose();
    this.#onStall(lane);
    return true;
  }

  /** Stops watching; `onStall` will not be called. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.#in = this.#out = NaN;
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#due = Infinity;
  }

  /** Arms the timer for the earliest deadline of the frames in progress, if any. */
  #arm(): void {
    this.#disarm();
    const due = this.due;
    if (due === Infinity) return;
    this.#due = due;
    this.#timer = this.#clock.setTimer(this.#fire, this.#due - this.#clock.now());
  }

  readonly #fire = (): void => {
    this.#timer = null;
    this.#due = Infinity;
    if (!this.check() && !this.#disposed) this.#arm();
  };
}
