/**
 * Fair turns between agents. A transport dispatches an agent's messages in turns of at most
 * `quota` messages. Input newly taken in (a read, a kick) goes at once for one turn: by the
 * time the runtime hands it over, every turn granted before has run, so it holds up nobody —
 * and a quiet agent's request waits for no other agent's backlog. An agent that wants more
 * after a full turn queues ({@linkcode Scheduler.next}); queued agents are served in rounds,
 * one turn per agent per round, in the order they queued, so a flooding agent gets one turn a
 * round and everyone else's new input goes in between. Before each round the scheduler
 * pauses so the runtime can take in input from the other agents. An agent alone keeps its
 * full speed; how much input one turn may come from is the transport's cap (a stream
 * connection's read-ahead, a virtqueue's size).
 *
 * The pause matters: while one agent always has input ready, the runtime may go a few dozen
 * event-loop turns without polling the other sockets (measured: 47–58 turns). {@linkcode Scheduler.attachIoPause} installs a pause that
 * returns only after the runtime has polled for I/O (`core/io_pause.ts`).
 * @module
 */
import type { Agent } from "./agent.ts";
import { type IoPause, openIoPause } from "./io_pause.ts";

/** Messages one agent dispatches per turn by default. */
export const DEFAULT_QUOTA = 8;

/** Waits before a round of turns; resolves when the round may start. */
export type Pause = () => Promise<void>;

export interface SchedulerOptions {
  /** Messages per turn (default {@linkcode DEFAULT_QUOTA}). */
  quota?: number;
  /** The pause before each round (tests pass one they control). */
  pause?: Pause;
}

interface Waiter {
  readonly agent: Agent;
  readonly go: () => void;
}

/** A next-macrotask pause, for a scheduler without an I/O pause attached. */
const immediate: Pause = () => new Promise<void>((r) => setImmediate(r));

/** One platform's turns; see the module documentation. */
export class Scheduler {
  readonly quota: number;
  readonly #fixedPause: Pause | null;
  #queue: Waiter[] = [];
  #spare: Waiter[] = [];
  /** Agents granted a turn in the round being handed out. */
  readonly #granted: Agent[] = [];
  /** Rounds are running: a turn asked for now waits for the next round. */
  #running = false;
  #io: IoPause | null = null;
  #ioOpening: Promise<IoPause> | null = null;
  #ioUsers = 0;

  constructor(opts: SchedulerOptions = {}) {
    const quota = opts.quota ?? DEFAULT_QUOTA;
    if (!Number.isInteger(quota) || quota < 1) {
      throw new RangeError(`Scheduler quota must be an integer of 1 or more, got ${quota}`);
    }
    this.quota = quota;
    this.#fixedPause = opts.pause ?? null;
  }

  /** Agents waiting for a turn, in the order they will get it. */
  get waiting(): readonly Agent[] {
    return this.#queue.map((w) => w.agent);
  }

  /** `agent` used a whole turn and has more: resolves at its next turn, after the others. */
  next(agent: Agent): Promise<void> {
    const p = new Promise<void>((go) => this.#queue.push({ agent, go }));
    if (!this.#running) {
      this.#running = true;
      this.#rounds().catch(() => {});
    }
    return p;
  }

  async #rounds(): Promise<void> {
    try {
      for (;;) {
        try {
          await this.#pause();
        } catch {
          // A failed pause (its socket closed under it) still ends: nobody is left waiting.
        }
        const round = this.#queue;
        if (round.length === 0) break;
        this.#queue = this.#spare;
        const granted = this.#granted;
        for (const w of round) {
          if (granted.includes(w.agent)) this.#queue.push(w);
          else {
            granted.push(w.agent);
            w.go();
          }
        }
        granted.length = 0;
        round.length = 0;
        this.#spare = round;
      }
    } finally {
      this.#running = false;
    }
  }

  #pause(): Promise<void> {
    if (this.#fixedPause !== null) return this.#fixedPause();
    return this.#io !== null ? this.#io.pause() : immediate();
  }

  /**
   * Makes the pause before each round wait for the runtime to poll for I/O, through a
   * private socket pair (`core/io_pause.ts`). Transports whose input the
   * runtime could otherwise leave unread call it when they start and call the returned
   * function when they stop; the pair closes with its last user. A scheduler given its own
   * pause keeps it.
   */
  async attachIoPause(): Promise<() => void> {
    if (this.#fixedPause !== null) return () => {};
    this.#ioUsers++;
    try {
      this.#io ??= await (this.#ioOpening ??= openIoPause());
    } catch (e) {
      this.#ioUsers--;
      this.#ioOpening = null;
      throw e;
    }
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      if (--this.#ioUsers !== 0) return;
      const io = this.#io;
      this.#io = null;
      this.#ioOpening = null;
      io?.close();
    };
  }
}
