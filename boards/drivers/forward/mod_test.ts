import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../../../core/_assert_test.ts";
import { emptyBoard } from "../../../core/board.ts";
import { Logger } from "../../../core/log.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { advanceUntil } from "../../../core/_wait_test.ts";
import { driverOptionProblems } from "../../../core/driver.ts";
import { createForward, forwardDriver } from "./mod.ts";

const RAW = "/sys/kernel/debug/scmi/0/raw";

/** A hardware root with a raw-mode directory, and the host's SCMI devices bound or not. */
async function hwRoot(bound: boolean): Promise<string> {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(join(root, RAW), { recursive: true });
  for (const f of ["message", "message_async", "notification", "errors", "reset"]) {
    await Deno.writeFile(join(root, RAW, f), new Uint8Array());
  }
  const dev = join(root, "sys/bus/scmi_protocol/devices/scmi_dev.1");
  await Deno.mkdir(dev, { recursive: true });
  if (bound) await Deno.mkdir(join(dev, "driver"));
  return root;
}

async function start(bound: boolean): Promise<string[]> {
  const root = await hwRoot(bound);
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  // Plain files are no SCMI platform: the start fails (at the latest once the timeout passes
  // on the clock), after the warning.
  const clock = new ManualClock();
  const started = createForward(
    { name: "fw", options: { raw: RAW }, board: emptyBoard("b"), log, hwRoot: root },
    { clock },
  ).then(() => null, (e: Error) => e);
  const e = await advanceUntil(clock, started, 1000);
  assert(e !== null && e.message.startsWith('Driver "fw" cannot reach the downstream raw:'));
  await Deno.remove(root, { recursive: true });
  return lines.filter((l) => !l.startsWith("warn: Lost "));
}

Deno.test("raw mode: a warning when the host kernel's SCMI drivers use the channel's agent too", async () => {
  const lines = await start(true);
  assertEquals(lines.length, 1);
  assert(lines[0].startsWith("warn: "), lines[0]);
  assert(lines[0].includes("the host kernel's own SCMI drivers are bound (1 devices"), lines[0]);
  assertEquals(await start(false), []);
});

Deno.test("the forward driver's options: one downstream, a timeout from 1 to 60000 ms", () => {
  const problems = (o: Record<string, unknown>) =>
    driverOptionProblems(forwardDriver, o).map((p) => `${p.option}: ${p.message}`);
  assertEquals(problems({ socket: "fw.sock" }), []);
  assertEquals(problems({ raw: RAW, timeout_ms: 60000 }), []);
  assertEquals(problems({}).length, 1);
  assert(problems({ socket: "a", raw: "b" })[0].startsWith("raw: "));
  assert(problems({ socket: "a", timeout_ms: 0 })[0].startsWith("timeout_ms: "));
  assert(problems({ socket: 5 })[0].startsWith("socket: "));
});

Deno.test("a downstream that is not there fails the driver's start, naming it", async () => {
  const e = await assertRejects(
    () =>
      createForward({
        name: "fw",
        options: { socket: "/nonexistent/fw.sock" },
        board: emptyBoard("b"),
      }),
    Error,
  );
  assert(e.message.includes("unix:/nonexistent/fw.sock"), e.message);
});

Deno.test("with --dry-run a change is logged, not sent; reads still reach the downstream", async () => {
  const sent: Uint8Array[] = [];
  const board = emptyBoard("b");
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  const dir = await Deno.makeTempDir();
  const path = join(dir, "fw.sock");
  const listener = Deno.listen({ transport: "unix", path });
  // A downstream that records every message and answers each with SUCCESS and two zero words.
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      for (;;) {
        const n = await conn.read(buf).catch(() => null);
        if (n === null) break;
        const msg = buf.slice(4, n);
        sent.push(msg);
        const reply = new Uint8Array(4 + 16);
        reply.set([16, 0, 0, 0, ...msg.subarray(0, 4)]);
        await conn.write(reply);
      }
      conn.close();
    }
  })();
  const driver = await createForward(
    { name: "fw", options: { socket: path }, board, log, dryRun: true },
    { clock: new ManualClock() },
  );
  try {
    const reset = driver.reset as {
      setAsserted(id: number, on: boolean, s: number): Promise<void>;
      isAsserted(id: number): boolean;
    };
    const before = sent.length;
    await reset.setAsserted(3, true, 0);
    assertEquals(sent.length, before);
    assert(reset.isAsserted(3));
    assertEquals(lines, ["info: Dry run: not sending protocol 0x16 message 0x4 (3, 2, 0)"]);
    const clock = driver.clock as { getRate(id: number): Promise<number> };
    assertEquals(await clock.getRate(0), 0);
    assertEquals(sent.length, before + 1);
  } finally {
    await driver.close?.();
    listener.close();
    await serving.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
