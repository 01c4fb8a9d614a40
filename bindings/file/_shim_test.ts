/**
 * Test helper: the VMM shim's side of the file binding, as `bindings/file/README.md` describes
 * it — `NAME.shm` opened as the agent's memory, 32-byte doorbell records written to
 * `NAME.doorbell` and their 8-byte answers read back, 4-byte channel numbers read from
 * `NAME.irq`.
 * @module
 */
import { DOORBELL_ANSWER, DOORBELL_RECORD, FileMemory, filePaths, IRQ_RECORD } from "./mod.ts";

/** Reads exactly `n` bytes from `conn`; throws at end of stream. */
export async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const b = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const r = await conn.read(b.subarray(got));
    if (r === null) throw new Error("EOF");
    got += r;
  }
  return b;
}

/** One doorbell record: a0–a3 as little-endian u64. */
export function doorbellRecord(a0: number | bigint, a1 = 0n, a2 = 0n, a3 = 0n): Uint8Array {
  const b = new Uint8Array(DOORBELL_RECORD);
  const dv = new DataView(b.buffer);
  [BigInt(a0), a1, a2, a3].forEach((v, i) => dv.setBigUint64(i * 8, v, true));
  return b;
}

/** A shim of one agent: its memory, a doorbell connection and an interrupt connection. */
export class FileShim {
  private constructor(
    readonly file: Deno.FsFile,
    readonly mem: FileMemory,
    readonly doorbell: Deno.UnixConn,
    readonly irq: Deno.UnixConn,
  ) {}

  /** Opens `agent`'s files in `runDir`, as a shim does once vscmi serves it. */
  static async open(runDir: string, agent: string): Promise<FileShim> {
    const paths = filePaths(runDir, agent);
    const file = await Deno.open(paths.shm, { read: true, write: true });
    const mem = new FileMemory(file, (await file.stat()).size);
    const doorbell = await Deno.connect({ transport: "unix", path: paths.doorbell });
    const irq = await Deno.connect({ transport: "unix", path: paths.irq });
    return new FileShim(file, mem, doorbell, irq);
  }

  /** One trap: the record written, its SMCCC a0 answer read. */
  async ring(a0: number | bigint, a1 = 0n, a2 = 0n, a3 = 0n): Promise<bigint> {
    await this.doorbell.write(doorbellRecord(a0, a1, a2, a3));
    const answer = await readExactly(this.doorbell, DOORBELL_ANSWER);
    return new DataView(answer.buffer).getBigUint64(0, true);
  }

  /** The next interrupt: the channel number vscmi raised. */
  async nextIrq(): Promise<number> {
    return new DataView((await readExactly(this.irq, IRQ_RECORD)).buffer).getUint32(0, true);
  }

  /** Closes the connections and the file (each at most once). */
  close(): void {
    for (const c of [this.doorbell, this.irq, this.file]) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
  }
}
