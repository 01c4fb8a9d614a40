/**
 * `deno task test:loaded`: the whole test suite (`deno task test`, with any extra arguments)
 * while every core is kept busy, so tests that lean on wall-clock timing show up. One Worker
 * per core (`navigator.hardwareConcurrency`) spins until the suite ends; the exit code is
 * the suite's.
 * @module
 */

const cores = navigator.hardwareConcurrency;
const spinners: Worker[] = [];
for (let i = 0; i < cores; i++) {
  spinners.push(new Worker(new URL("./_spin_worker.ts", import.meta.url), { type: "module" }));
}
console.error(`test:loaded: ${cores} busy worker(s), one per core, while the suite runs`);

let code = 1;
try {
  const suite = new Deno.Command(Deno.execPath(), {
    args: ["task", "test", ...Deno.args],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  });
  code = (await suite.output()).code;
} finally {
  for (const w of spinners) w.terminate();
}
Deno.exit(code);
