/**
 * The `file` binding of the shmem transport: for agent NAME, in the run directory (mode 0600),
 * `NAME.shm` — the agent's shared memory, the channel areas at the offsets its manifest
 * declares — and two Unix stream sockets: `NAME.doorbell`, where the other side writes one
 * 32-byte record per trap (a0–a3, little-endian u64) and reads the 8-byte SMCCC a0 once the
 * reply is in the channel; `NAME.irq`, where vscmi writes a 4-byte little-endian channel
 * number per interrupt. See README.md beside this file.
 *
 * The server reads and writes the file with positioned I/O, never a mapping: whatever the
 * other side does to the file (truncate it, rewrite it mid-message) cannot fault the server.
 * @module
 */
import { join } from "node:path";
import { ensureRunDir } from "../../core/rundir.ts";
import { listenPrivate, unlinkSocket } from "../../core/unix_socket.ts";
import type {
  ShmemBindingDef,
  ShmemBindingEnv,
  ShmemBindingHandle,
} from "../../transports/shmem/binding.ts";
import type { ShmemMemory } from "../../transports/shmem/layout.ts";

/** Bytes of one doorbell record: a0, a1, a2, a3 as little-endian u64. */
export const DOORBELL_RECORD = 32;
/** Bytes of one doorbell answer: SMCCC a0 as a little-endian u64. */
export const DOORBELL_ANSWER = 8;
/** Bytes of one interrupt record: the channel number as a little-endian u32. */
export const IRQ_RECORD = 4;

/** The file binding's paths for `agent` in `runDir`. */
export function filePaths(
  runDir: string,
  agent: string,
): { shm: string; doorbell: string; irq: string } {
  return {
    shm: join(runDir, `${agent}.shm`),
    doorbell: join(runDir, `${agent}.doorbell`),
    irq: join(runDir, `${agent}.irq`),
  };
}

/** {@linkcode ShmemMemory} over an open file, by positioned reads and writes. */
export class FileMemory implements ShmemMemory {
  constructor(readonly file: Deno.FsFile, readonly size: number) {}

  read(offset: number, dst: Uint8Array): void {
    this.file.seekSync(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < dst.length) {
      const n = this.file.readSync(dst.subarray(got));
      if (n === null || n === 0) break;
      got += n;
    }
    // A file cut short by the other side reads as zeros.
    if (got < dst.length) dst.fill(0, got);
  }

  write(offset: number, src: Uint8Array): void {
    this.file.seekSync(offset, Deno.SeekMode.Start);
    for (let done = 0; done < src.length;) done += this.file.writeSync(src.subarray(done));
  }
}

/** One peer on the interrupt socket, its writes kept in order. */
interface IrqPeer {
  conn: Deno.UnixConn;
  tail: Promise<void>;
  /** Records written to it whose write has not finished. */
  pending: number;
}

/** Interrupt records a peer may leave unread before it is disconnected. */
export const IRQ_BACKLOG = 256;

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
}

async function startFile(env: ShmemBindingEnv): Promise<ShmemBindingHandle> {
  const { agent, log } = env;
  await ensureRunDir(env.runDir);
  const paths = filePaths(env.runDir, agent);
  const file = await Deno.open(paths.shm, {
    read: true,
    write: true,
    create: true,
    truncate: true,
    mode: 0o600,
  });
  let doorbells: Deno.UnixListener | null = null;
  let irqs: Deno.UnixListener | null = null;
  try {
    await Deno.chmod(paths.shm, 0o600);
    await file.truncate(env.size);
    doorbells = await listenPrivate(paths.doorbell);
    irqs = await listenPrivate(paths.irq);
  } catch (e) {
    doorbells?.close();
    file.close();
    throw e;
  }
  const memory = new FileMemory(file, env.size);
  const peers = new Set<IrqPeer>();
  const conns = new Set<Deno.UnixConn>();
  let closing = false;

  async function serveDoorbells(conn: Deno.UnixConn): Promise<void> {
    conns.add(conn);
    const rec = new Uint8Array(DOORBELL_RECORD);
    const dv = new DataView(rec.buffer);
    const answer = new Uint8Array(DOORBELL_ANSWER);
    const adv = new DataView(answer.buffer);
    try {
      for (;;) {
        let got = 0;
        while (got < DOORBELL_RECORD) {
          const n = await conn.read(rec.subarray(got));
          if (n === null) return;
          got += n;
        }
        const a0 = await env.doorbell(
          dv.getBigUint64(0, true),
          dv.getBigUint64(8, true),
          dv.getBigUint64(16, true),
          dv.getBigUint64(24, true),
        );
        adv.setBigUint64(0, a0, true);
        await writeAll(conn, answer);
      }
    } catch (e) {
      if (!closing) {
        log.once(
          "warn",
          `file:doorbell:${agent}`,
          `Agent "${agent}": doorbell connection ended: ${e}`,
        );
      }
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }

  async function watchIrqPeer(peer: IrqPeer): Promise<void> {
    // Nothing is read from the interrupt socket: the read ends when the peer goes.
    const sink = new Uint8Array(64);
    try {
      while ((await peer.conn.read(sink)) !== null) { /* ignored */ }
    } catch { /* gone */ }
    peers.delete(peer);
    try {
      peer.conn.close();
    } catch { /* already closed */ }
  }

  async function accept(
    listener: Deno.UnixListener,
    take: (conn: Deno.UnixConn) => void,
  ): Promise<void> {
    for (;;) {
      let conn: Deno.UnixConn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      if (closing) {
        conn.close();
        return;
      }
      take(conn);
    }
  }

  /** Interrupts raised before any reader connected: delivered to the first one. */
  const held = new Set<number>();
  /**
   * Writes channel `number` to every interrupt reader; with none connected yet, holds it (once
   * per channel, like a pending interrupt line) for the first that connects.
   */
  function raise(number: number): void {
    if (peers.size === 0) {
      if (held.size < IRQ_BACKLOG) held.add(number >>> 0);
      return;
    }
    const rec = new Uint8Array(IRQ_RECORD);
    new DataView(rec.buffer).setUint32(0, number >>> 0, true);
    for (const p of peers) {
      if (p.pending >= IRQ_BACKLOG) {
        // A reader that stopped reading: let it go rather than hold its records.
        log.once(
          "warn",
          `file:irq:${agent}`,
          `Agent "${agent}": an interrupt reader stopped reading; disconnected`,
        );
        peers.delete(p);
        try {
          p.conn.close();
        } catch { /* already closed */ }
        continue;
      }
      p.pending++;
      p.tail = p.tail.then(() => writeAll(p.conn, rec)).then(() => {
        p.pending--;
      }, () => {
        peers.delete(p);
      });
    }
  }

  const loops = [
    accept(doorbells, (c) => void serveDoorbells(c)),
    accept(irqs, (conn) => {
      const peer: IrqPeer = { conn, tail: Promise.resolve(), pending: 0 };
      peers.add(peer);
      void watchIrqPeer(peer);
      // Completion interrupts raised while nobody read them go to the first reader.
      for (const n of held) raise(n);
      held.clear();
      env.interruptsReady();
    }),
  ];

  return {
    memory,
    address: `file:${paths.shm}`,
    get canInterrupt() {
      return peers.size > 0;
    },
    interrupt: raise,
    async close() {
      if (closing) return;
      closing = true;
      doorbells!.close();
      irqs!.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      for (const p of peers) {
        try {
          p.conn.close();
        } catch { /* already closed */ }
      }
      peers.clear();
      await Promise.allSettled(loops);
      file.close();
      await unlinkSocket(paths.doorbell);
      await unlinkSocket(paths.irq);
      await Deno.remove(paths.shm).catch(() => {});
    },
  };
}

/** The file binding: `NAME.shm`, `NAME.doorbell` and `NAME.irq` in the run directory. */
export const fileBinding: ShmemBindingDef = {
  name: "file",
  listens: (agent) => [`unix:${agent}.doorbell`, `unix:${agent}.irq`],
  start: startFile,
};
