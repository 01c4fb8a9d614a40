/**
 * The waiting thread of {@linkcode Reactor} (`poll.ts`): parks until the main thread arms
 * it, blocks in `poll()` on the descriptor set the main thread wrote into shared memory,
 * then reports and parks again. It never touches the platform or any guest memory: the
 * main thread handles every ready descriptor.
 * @module
 */
import { C, errno, libc } from "./libc.ts";
import { CTL, FDS_OFFSET, MAX_POLL_FDS } from "./_poll_layout.ts";

interface Start {
  sab: SharedArrayBuffer;
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = (e: MessageEvent<Start>) => {
  const ctl = new Int32Array(e.data.sab, 0, CTL.WORDS);
  const fds = new Uint8Array(e.data.sab, FDS_OFFSET, MAX_POLL_FDS * 8);
  const poll = libc().poll;
  for (;;) {
    while (Atomics.load(ctl, CTL.ARM) === 0) Atomics.wait(ctl, CTL.ARM, 0);
    if (Atomics.load(ctl, CTL.STOP) !== 0) break;
    const n = Atomics.load(ctl, CTL.NFDS);
    const r = poll(fds, BigInt(n), -1);
    if (r < 0) {
      const code = errno();
      if (code === C.EINTR) continue;
      Atomics.store(ctl, CTL.ERRNO, code);
    }
    if (Atomics.load(ctl, CTL.STOP) !== 0) break;
    Atomics.store(ctl, CTL.ARM, 0);
    Atomics.add(ctl, CTL.SEQ, 1);
    Atomics.notify(ctl, CTL.SEQ);
  }
  scope.close();
};
