/**
 * The forward driver's raw-mode channel: Linux's SCMI raw mode
 * (`/sys/kernel/debug/scmi/<n>/raw/`), for development and bring-up. As recorded on the e2e
 * guest's kernel (`testdata/raw_mode.txt`): one write(2) of a whole message (header with the
 * token as written, then parameters) to `message` sends it, and one read(2) of `message`
 * blocks until its reply (header, status, payload) is there; a message Linux refuses (shorter
 * than a header, larger than the channel's size) fails the write; `message_async` gives the
 * reply and then the delayed response on two reads; `notification` gives one notification per
 * read, blocking until one comes. Linux queues one reply per written message, so the channel
 * sends one message at a time and reads its reply before the next. `pause` waits between
 * reads of `notification` that found nothing.
 * @module
 */
import type { Channel, ChannelEvents } from "./link.ts";

/** The file operations the raw channel makes, injectable for tests. */
export interface RawFiles {
  /** One write(2) of `bytes` to the file `name` of the raw directory. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** One read(2) of at most `max` bytes from the file `name` of the raw directory. */
  read(name: string, max: number): Promise<Uint8Array>;
}

/** The files of raw directory `dir`, through the kernel. */
export function rawFiles(dir: string): RawFiles {
  return {
    async write(name, bytes) {
      const f = await Deno.open(`${dir}/${name}`, { write: true });
      try {
        const n = await f.write(bytes);
        if (n !== bytes.length) throw new Error(`${name}: wrote ${n} of ${bytes.length} bytes`);
      } finally {
        f.close();
      }
    },
    async read(name, max) {
      const f = await Deno.open(`${dir}/${name}`, { read: true });
      try {
        const buf = new Uint8Array(max);
        const n = await f.read(buf);
        return buf.slice(0, n ?? 0);
      } finally {
        f.close();
      }
    },
  };
}

/** Largest message a raw-mode read returns here (Linux's channels carry at most 128 + 8). */
const READ_MAX = 4096;

/**
 * A channel over raw-mode `files`: messages go out one at a time, each followed by the read
 * of its reply; a loop reads `notification` while the channel is open.
 */
export function openRaw(
  files: RawFiles,
  events: ChannelEvents,
  pause: () => Promise<void>,
): Channel {
  let closed = false;
  let queue: Promise<void> = Promise.resolve();
  (async () => {
    while (!closed) {
      let m: Uint8Array;
      try {
        m = await files.read("notification", READ_MAX);
      } catch {
        m = new Uint8Array();
      }
      if (closed) break;
      if (m.length > 0) events.onMessage(m);
      // No notification within the kernel's wait (or none readable): try again shortly.
      else await pause();
    }
  })();
  return {
    send(message) {
      const turn = queue.then(async () => {
        if (closed) throw new Error("the channel is closed");
        await files.write("message", message);
        const reply = await files.read("message", READ_MAX);
        if (!closed && reply.length > 0) events.onMessage(reply);
      });
      queue = turn.catch(() => {});
      return turn;
    },
    close() {
      closed = true;
    },
  };
}
