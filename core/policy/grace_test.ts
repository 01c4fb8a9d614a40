/**
 * Grace periods: defaults and checks, the timers, and how a deployment declares them
 * (`grace = { close_s, restart_s }`) along with the journal's `[platform] state_dir`.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert_test.ts";
import { buildPlatform } from "../../server/build.ts";
import { loadDeployment, ManifestError, simBoardPath } from "../../server/manifest/mod.ts";
import { Logger } from "../log.ts";
import { startServer } from "../../server/serve.ts";
import { DEFAULT_GRACE, type GraceClock, GraceTimers, makeGrace, type TimerId } from "./grace.ts";
import { JOURNAL_FILE } from "../../server/journal/journal.ts";
import { BUILTINS } from "../../builtins.ts";

/** Every directory of this file's tests, removed when the run ends. */
const ROOT = await Deno.makeTempDir({ prefix: "vscmi-grace-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

function quiet(): Logger {
  const log = new Logger();
  log.sink = () => {};
  return log;
}

Deno.test("defaults: 0 s after a close, 60 s after a restart; bad values → RangeError", () => {
  assertEquals(makeGrace(undefined), { closeS: 0, restartS: 60 });
  assertEquals(makeGrace({ closeS: 2.5 }), { closeS: 2.5, restartS: 60 });
  assertEquals(DEFAULT_GRACE, { closeS: 0, restartS: 60 });
  assertThrows(() => makeGrace({ closeS: -1 }), RangeError, "closeS");
  assertThrows(() => makeGrace({ restartS: NaN }), RangeError, "restartS");
  assertThrows(() => makeGrace({ restartS: 86_401 }), RangeError, "0 to 86400");
});

/** Timers run by hand. */
function manual(): GraceClock & { run(): void; count(): number } {
  const timers = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout(fn) {
      timers.set(next, fn);
      return next++ as unknown as TimerId;
    },
    clearTimeout(id) {
      timers.delete(id as unknown as number);
    },
    run() {
      const fns = [...timers.values()];
      timers.clear();
      for (const fn of fns) fn();
    },
    count: () => timers.size,
  };
}

Deno.test("timers: 0 releases at once; a period releases when it ends; cancel and clear stop it", () => {
  const released: string[] = [];
  const clock = manual();
  const g = new GraceTimers((a, why) => void released.push(`${a} ${why}`), clock);
  assertEquals(g.start(1, 0, "close"), true);
  assertEquals(released, ["1 close"]);
  assertEquals(g.start(2, 5, "close"), false);
  assertEquals(g.pending(2)?.reason, "close");
  assertEquals(g.start(2, 60, "restart"), false, "a new period replaces the pending one");
  assertEquals(clock.count(), 1);
  clock.run();
  assertEquals(released, ["1 close", "2 restart"]);
  assertEquals(g.pending(2), undefined);
  g.start(3, 5, "close");
  assertEquals(g.cancel(3), true);
  assertEquals(g.cancel(3), false);
  g.start(4, 5, "close");
  g.clear();
  clock.run();
  assertEquals(released.length, 2);
});

const DEPLOYMENT = (board: string, extra: string) =>
  `board = ${JSON.stringify(board)}
${extra}
[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock"]
grace = { close_s = 1.5, restart_s = 300 }

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["clock"]
`;

async function deployment(extra: string, agentGrace?: string): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  let text = DEPLOYMENT(simBoardPath(), extra);
  if (agentGrace !== undefined) {
    text = text.replace("grace = { close_s = 1.5, restart_s = 300 }", agentGrace);
  }
  await Deno.writeTextFile(`${dir}/vscmi.toml`, text);
  return `${dir}/vscmi.toml`;
}

Deno.test("manifest: grace per agent and [platform] state_dir reach the built agents", async () => {
  const file = await deployment(`[platform]\nstate_dir = "votes"\n`);
  const dep = await loadDeployment(file, BUILTINS);
  assertEquals(dep.agents.map((a) => a.grace), [{ closeS: 1.5, restartS: 300 }, undefined]);
  assertEquals(dep.stateDir, file.replace("vscmi.toml", "votes"));
  const built = await buildPlatform(dep);
  assertEquals(built.platform.agents.map((a) => a.grace), [
    { closeS: 1.5, restartS: 300 },
    { closeS: 0, restartS: 60 },
  ]);
  assertEquals(built.journal, undefined, "buildPlatform journals only when given a directory");
  await built.close();
});

Deno.test("manifest: state_dir = false turns the journal off; absent leaves the default", async () => {
  assertEquals(
    (await loadDeployment(await deployment("[platform]\nstate_dir = false\n"), BUILTINS)).stateDir,
    null,
  );
  assertEquals((await loadDeployment(await deployment(""), BUILTINS)).stateDir, undefined);
});

Deno.test("manifest: a negative close_s → ManifestError at agent[0].grace.close_s", async () => {
  const file = await deployment("", "grace = { close_s = -1 }");
  const e = await assertRejects(() => loadDeployment(file, BUILTINS), ManifestError);
  assert(e.message.includes("agent[0].grace.close_s"), e.message);
  assert(e.message.includes("a number of seconds from 0 to 86400"), e.message);
});

Deno.test("manifest: an unknown grace key → ManifestError naming the keys", async () => {
  const file = await deployment("", "grace = { close = 1 }");
  const e = await assertRejects(() => loadDeployment(file, BUILTINS), ManifestError);
  assert(e.message.includes("agent[0].grace"), e.message);
  assert(e.message.includes('"close_s"') && e.message.includes('"restart_s"'), e.message);
});

Deno.test("serve: the journal lives in <run-dir>/state unless told otherwise; null: none", async () => {
  const file = await deployment("");
  const runDir = `${file.replace("/vscmi.toml", "")}/run`;
  const dep = await loadDeployment(file, BUILTINS);
  const a = await startServer(dep, { runDir, control: false, log: quiet() });
  assertEquals(a.stateDir, `${runDir}/state`);
  assert((await Deno.stat(`${runDir}/state/${JOURNAL_FILE}`)).isFile);
  await a.close();
  const b = await startServer(dep, { runDir, control: false, stateDir: null, log: quiet() });
  assertEquals([b.stateDir, b.platform.votes.journaled], [null, false]);
  await b.close();
});
