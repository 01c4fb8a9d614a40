/**
 * Test helper: the hvisor side of a file bridge in the test process — `DIR/bridge`,
 * `DIR/mem` (sparse) and a listening `DIR/el2.sock` — as `bindings/hvisor/README.md`
 * describes it: push requests on the bridge, write 0x01 when `need_wakeup` is set, wait for
 * `cfg_flags`, and drain `res_list` on each 0x02.
 * @module
 */
import { closeFd, openReadWrite } from "../native/libc.ts";
import { Mapping } from "../native/mmap.ts";
import { until } from "../../core/_wait_test.ts";
import { type Access, El2 } from "./_el2_test.ts";
import { BRIDGE_MAP_SIZE, WIRE } from "./layout.ts";

export class FileSim {
  readonly el2: El2;
  /** Interrupts hvisor injected: (zone, irq) per FINISH_REQ, in order. */
  readonly irqs: [number, number][] = [];
  /** 0x02 bytes received. */
  finishes = 0;
  /** Connections vscmi made to el2.sock. */
  connections = 0;
  #conn: Deno.UnixConn | null = null;
  readonly #listener: Deno.UnixListener;
  readonly #fds: number[];
  readonly #maps: Mapping[] = [];
  readonly #accepting: Promise<void>;

  private constructor(readonly dir: string, memSize: number) {
    Deno.writeFileSync(`${dir}/bridge`, new Uint8Array(BRIDGE_MAP_SIZE));
    const mem = Deno.openSync(`${dir}/mem`, { create: true, write: true });
    mem.truncateSync(memSize);
    mem.close();
    this.#fds = [openReadWrite(`${dir}/bridge`), openReadWrite(`${dir}/mem`)];
    const bridge = new Mapping(this.#fds[0], BRIDGE_MAP_SIZE);
    this.#maps.push(bridge);
    this.el2 = new El2(bridge.bytes, () => {
      this.#conn?.write(new Uint8Array([WIRE.KICK])).catch(() => {});
    });
    this.#listener = Deno.listen({ transport: "unix", path: `${dir}/el2.sock` });
    this.#accepting = this.#accept();
  }

  /** A file bridge in `dir` with `memSize` bytes of (sparse) physical memory. */
  static create(dir: string, memSize: number): FileSim {
    return new FileSim(dir, memSize);
  }

  /** The physical memory at `zone0Ipa`, `size` bytes, as hvisor's guest sees it. */
  mem(zone0Ipa: number, size: number): Uint8Array {
    const m = new Mapping(this.#fds[1], size, 0, { base: zone0Ipa });
    this.#maps.push(m);
    return m.bytes;
  }

  /** Whether vscmi is connected. */
  get connected(): boolean {
    return this.#conn !== null;
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener) {
      this.#conn = conn;
      this.connections++;
      const buf = new Uint8Array(64);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          for (let i = 0; i < n; i++) {
            if (buf[i] !== WIRE.FINISH) continue;
            this.finishes++;
            this.irqs.push(...this.el2.results());
          }
        }
      } catch {
        // vscmi went away
      }
      if (this.#conn === conn) this.#conn = null;
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  /**
   * One access of a vCPU: pushed as hvisor does; a config access resolves with the answer
   * once cfg_flags moved (QueueNotify at once, with 0).
   */
  async access(a: Access): Promise<number> {
    let old: bigint | null;
    while ((old = this.el2.push(a)) === null) await until(() => !this.el2.full, "room on req_list");
    if (a.notify) return 0;
    await until(() => this.el2.answered(a.cpu, old!), `an answer to cpu ${a.cpu}`);
    return this.el2.value(a.cpu);
  }

  /** Register accessors of the device at `base` in `zone`, as vCPU `cpu`. */
  io(zone: number, base: number, cpu = 0) {
    return {
      r: (offset: number) => this.access({ cpu, zone, address: base + offset }),
      w: async (offset: number, value: number) => {
        await this.access({
          cpu,
          zone,
          address: base + offset,
          value,
          write: true,
          notify: offset === 0x50,
        });
      },
    };
  }

  /** Closes vscmi's connection to el2.sock (the simulator went away), keeping the listener. */
  hangUp(): void {
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
  }

  async close(): Promise<void> {
    this.#listener.close();
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    await this.#accepting.catch(() => {});
    this.#maps.forEach((m) => m.unmap());
    this.#fds.forEach(closeFd);
  }
}
