/** What a stream connection leaves behind once it is gone. */
import { assert } from "../../core/_assert_test.ts";

Deno.test("refused connection attempts while one is open leave nothing behind (heap measured in a child process)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--v8-flags=--expose-gc",
      new URL("./_refused_probe.ts", import.meta.url).pathname,
      "80",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, `probe failed: ${new TextDecoder().decode(out.stderr)}`);
  const { perAttempt } = JSON.parse(text) as { perAttempt: number };
  // Each attempt used to keep about 360 bytes on the open connection until it closed.
  assert(perAttempt < 150, `heap grew ${perAttempt.toFixed(0)} B per refused attempt`);
});
