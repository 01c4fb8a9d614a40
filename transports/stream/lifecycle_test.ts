/** What stream connections cost in memory and leave behind once they are gone. */
import { assert } from "../../core/_assert_test.ts";

/** Runs `_heap_probe.ts MODE N` in a child process; its heap growth per unit, bytes. */
async function probe(mode: string, n: number): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--v8-flags=--expose-gc",
      new URL("./_heap_probe.ts", import.meta.url).pathname,
      mode,
      String(n),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, `probe failed: ${new TextDecoder().decode(out.stderr)}`);
  return (JSON.parse(new TextDecoder().decode(out.stdout)) as { perUnit: number }).perUnit;
}

Deno.test("refused connection attempts while one is open leave nothing behind (heap measured in a child process)", async () => {
  const perAttempt = await probe("refused", 80);
  // Each attempt used to keep about 340 bytes on the open connection until it closed.
  assert(perAttempt < 150, `heap grew ${perAttempt.toFixed(0)} B per refused attempt`);
});

Deno.test("an idle connection holds its buffers, not tens of kilobytes of view caches (heap measured in a child process)", async () => {
  // 200 connections, so one-off allocations of the run (code tiering up, caches) weigh little.
  const perConnection = await probe("idle", 200);
  // The view caches used to be preallocated, one slot per buffer byte: about 70 KB a
  // connection, garbage after every session.
  assert(perConnection < 16_000, `heap grew ${perConnection.toFixed(0)} B per open connection`);
});
