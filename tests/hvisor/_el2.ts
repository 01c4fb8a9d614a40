/**
 * A simulator of hvisor's EL2 side over the file bridge, for tests and the bench: it owns
 * `DIR/bridge` and `DIR/mem` and listens on `DIR/el2.sock`, which vscmi connects to.
 *
 * - A trapped access is pushed to req_list; then, if vscmi asked for a wake-up
 *   (`need_wakeup` = 1, read after a full barrier, as hvisor does before raising zone0's
 *   interrupt), one byte 0x01 goes on the socket. The vCPU then waits until
 *   `cfg_flags[cpu]` changes and reads `cfg_values[cpu]` — for every access but QueueNotify,
 *   whose vCPU goes on at once.
 * - Each byte 0x02 from vscmi is one FINISH_REQ: the simulator takes res_list and delivers
 *   each `{target_zone, irq_id}` to the handler the zone's guest registered.
 *
 * Waiting on `cfg_flags` polls the shared page between event-loop turns with `until` (tests), or
 * spins like a real vCPU (`spin`, the bench; it yields the CPU between checks when another
 * thread wants it, since vscmi shares the machine); either way only {@linkcode HANG_MS} bounds
 * it, as a hang guard.
 * @module
 */
import { HANG_MS, until } from "../../core/_wait_test.ts";
import {
  type Bridge,
  type BridgeFiles,
  bridgeFiles,
  type Interrupt,
  type Request,
} from "./_bridge.ts";

/** int sched_yield(void) */
const SCHED = { sched_yield: { parameters: [], result: "i32" } } as const;
let sched: Deno.DynamicLibrary<typeof SCHED> | null = null;
/** Lets another thread that wants this CPU run; returns at once when none does. */
function schedYield(): void {
  sched ??= Deno.dlopen("libc.so.6", SCHED);
  sched.symbols.sched_yield();
}

/** What {@linkcode El2.create} needs. */
export interface El2Options {
  /** Length of the sparse `mem` file (it must cover every zone's zone0_ipa + size). */
  memBytes: number;
  /** Bytes of `mem` to map here, from offset 0 (default all of it). */
  mapBytes?: number;
  /** Spin on cfg_flags instead of polling between event-loop turns. */
  spin?: boolean;
  /**
   * Send 0x01 after every push, whatever `need_wakeup` says (spurious wake-ups); by default
   * only when vscmi set `need_wakeup`.
   */
  alwaysKick?: boolean;
}

/** The EL2 simulator: bridge files, the socket vscmi connects to, the vCPUs' waits. */
export class El2 {
  readonly bridge: Bridge;
  /** The whole `mem` file. */
  readonly mem: Uint8Array;
  /** Every interrupt vscmi asked for, in order. */
  readonly interrupts: Interrupt[] = [];
  /** 0x02 bytes read (FINISH_REQ calls). */
  finishes = 0;
  /** Bytes from vscmi other than 0x02 (none is expected). */
  strayBytes = 0;
  /** 0x01 bytes written. */
  kicks = 0;
  /** Connections vscmi made (1, then one more per restart). */
  connections = 0;
  alwaysKick: boolean;
  /** While set, FINISH_REQ is counted but res_list is left as it is (hvisor busy). */
  holdResults = false;
  readonly #files: BridgeFiles;
  readonly #listener: Deno.Listener<Deno.UnixConn>;
  readonly #spin: boolean;
  #conn: Deno.UnixConn | null = null;
  readonly #handlers = new Map<number, (irq: number) => void>();
  readonly #pumps: Promise<void>[] = [];
  readonly #busy = new Map<number, Promise<unknown>>();
  #closed = false;

  private constructor(readonly dir: string, files: BridgeFiles, opts: El2Options) {
    this.#files = files;
    this.bridge = files.bridge;
    this.mem = files.mem;
    this.#spin = opts.spin ?? false;
    this.alwaysKick = opts.alwaysKick ?? false;
    this.#listener = Deno.listen({ transport: "unix", path: `${dir}/el2.sock` });
    this.#pumps.push(this.#accept());
  }

  /** Creates the files in `dir` (an existing, empty directory) and listens on el2.sock. */
  static async create(dir: string, opts: El2Options): Promise<El2> {
    return new El2(dir, await bridgeFiles(dir, opts.memBytes, opts.mapBytes), opts);
  }

  /** The `device` value of a manifest served by this simulator. */
  get device(): string {
    return `file:${this.dir}`;
  }

  /** Whether vscmi is connected now. */
  get connected(): boolean {
    return this.#conn !== null;
  }

  /** Waits until vscmi has connected `n` times in all. */
  async waitConnections(n: number): Promise<void> {
    await until(() => this.connections >= n, `vscmi's connection #${n} to el2.sock`);
  }

  /** Routes interrupts for `zone` to `handler` (one guest per zone). */
  onInterrupt(zone: number, handler: (irq: number) => void): void {
    this.#handlers.set(zone, handler);
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        this.#conn = conn;
        this.connections++;
        this.#pumps.push(this.#read(conn));
      }
    } catch (e) {
      if (!this.#closed) throw e;
    }
  }

  async #read(conn: Deno.UnixConn): Promise<void> {
    const buf = new Uint8Array(256);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (let i = 0; i < n; i++) {
          if (buf[i] !== 0x02) {
            this.strayBytes++;
            continue;
          }
          this.finishes++;
          if (!this.holdResults) this.takeResults();
        }
      }
    } catch {
      // vscmi went away (killed): its socket is reset.
    } finally {
      if (this.#conn === conn) this.#conn = null;
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }

  /** Takes res_list and delivers each interrupt to its zone's guest. */
  takeResults(): void {
    for (const irq of this.bridge.takeResults()) {
      this.interrupts.push(irq);
      this.#handlers.get(irq.zone)?.(irq.irq);
    }
  }

  /**
   * Raises zone0's interrupt: one 0x01 on the socket, when vscmi asked for it (or always,
   * with `alwaysKick`), and when it is connected (a vscmi that starts drains the ring first).
   */
  async kick(force = false): Promise<void> {
    if (!force && !this.alwaysKick && !this.bridge.needWakeup) return;
    const conn = this.#conn;
    if (conn === null) return;
    this.kicks++;
    try {
      await conn.write(new Uint8Array([0x01]));
    } catch {
      // vscmi died between the check and the write; its successor drains the ring.
    }
  }

  /** Pushes `r`, waiting (as hvisor spins) while req_list is full. */
  async push(r: Request): Promise<void> {
    if (!this.bridge.push(r)) {
      await this.kick();
      await this.#wait(() => this.bridge.push(r), "a free req_list slot");
    }
  }

  /**
   * One trapped access by vCPU `cpu` of `zone`: queued, signalled, and answered — resolves to
   * the value read (0 for a write). Accesses of one vCPU run one after another.
   */
  async access(
    cpu: number,
    zone: number,
    address: number,
    write: boolean,
    value = 0,
    size = 4,
  ): Promise<number> {
    return (await this.#access(cpu, zone, address, write, value, size, false))!;
  }

  /**
   * As {@linkcode access}, but the vCPU stops waiting when vscmi is not connected (its
   * device went away with it): resolves null then.
   */
  accessUnlessGone(
    cpu: number,
    zone: number,
    address: number,
    write: boolean,
    value = 0,
    size = 4,
  ): Promise<number | null> {
    return this.#access(cpu, zone, address, write, value, size, true);
  }

  #access(
    cpu: number,
    zone: number,
    address: number,
    write: boolean,
    value: number,
    size: number,
    unlessGone: boolean,
  ): Promise<number | null> {
    const prev = this.#busy.get(cpu) ?? Promise.resolve();
    const next = prev.then(async () => {
      const before = this.bridge.flag(cpu);
      const answered = () => this.bridge.flag(cpu) !== before;
      await this.push({ cpu, zone, address, size, value, write, notify: false });
      await this.kick();
      await this.#wait(
        unlessGone ? () => answered() || this.#conn === null : answered,
        `cfg_flags[${cpu}] to change`,
      );
      if (!answered()) return null;
      return write ? 0 : this.bridge.value(cpu);
    });
    this.#busy.set(cpu, next.catch(() => {}));
    return next;
  }

  /** A QueueNotify write by `cpu`: queued with need_interrupt = 1, the vCPU does not wait. */
  notify(cpu: number, zone: number, address: number, queue: number): Promise<void> {
    const prev = this.#busy.get(cpu) ?? Promise.resolve();
    const next = prev.then(async () => {
      await this.push({ cpu, zone, address, size: 4, value: queue, write: true, notify: true });
      await this.kick();
    });
    this.#busy.set(cpu, next.catch(() => {}));
    return next;
  }

  async #wait(cond: () => boolean, what: string): Promise<void> {
    if (!this.#spin) return await until(cond, what);
    const deadline = Date.now() + HANG_MS;
    for (let i = 0; !cond(); i++) {
      // A real vCPU spins on a CPU of its own; here it shares the machine with vscmi's threads,
      // so it gives the CPU up between checks when someone else wants it.
      schedYield();
      if ((i & 0xffff) === 0 && Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}`);
      }
    }
  }

  /** Stops listening, closes vscmi's connection and unmaps the files. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listener.close();
    try {
      this.#conn?.close();
    } catch { /* closed */ }
    await Promise.allSettled(this.#pumps);
    this.#files.unmap();
  }
}
