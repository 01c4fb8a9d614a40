import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { DriverError } from "../../core/driver.ts";
import { SystemState } from "./hw.ts";
import {
  commandAction,
  commandArgv,
  qmpAction,
  qmpCommandFor,
  qmpExecute,
  runCommand,
} from "./actions.ts";

/** How the fake monitor answers one command: a reply object, or close the connection. */
type Answer = Record<string, unknown> | "close";

/**
 * A fake QEMU monitor on a unix socket: sends the greeting, records each command's
 * `execute` and answers per `answer` (default `{"return": {}}`). `before` lines (e.g.
 * events) are sent ahead of each answer.
 */
async function fakeQmp(opts: {
  answer?: (command: string) => Answer;
  greeting?: string;
  before?: string[];
  silent?: boolean;
} = {}) {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-qmp-" });
  const path = `${dir}/qmp.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const commands: string[] = [];
  const enc = new TextEncoder();
  const conns = new Set<Deno.Conn>();
  const handle = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      await conn.write(enc.encode(
        opts.greeting ??
          `{"QMP": {"version": {"qemu": {"major": 9, "minor": 0, "micro": 0}}, "capabilities": []}}\r\n`,
      ));
      const dec = new TextDecoder();
      const buf = new Uint8Array(1024);
      let text = "";
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) return;
        text += dec.decode(buf.subarray(0, n), { stream: true });
        let nl;
        while ((nl = text.indexOf("\n")) >= 0) {
          const cmd = JSON.parse(text.slice(0, nl)).execute as string;
          text = text.slice(nl + 1);
          commands.push(cmd);
          if (opts.silent && cmd !== "qmp_capabilities") continue;
          const ans = cmd === "qmp_capabilities"
            ? { return: {} }
            : (opts.answer?.(cmd) ?? { return: {} });
          if (ans === "close") return;
          for (const line of opts.before ?? []) await conn.write(enc.encode(line + "\r\n"));
          await conn.write(enc.encode(JSON.stringify(ans) + "\r\n"));
        }
      }
    } catch {
      /* the client went away */
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const served = (async () => {
    const pending: Promise<void>[] = [];
    for await (const conn of listener) pending.push(handle(conn));
    await Promise.all(pending);
  })();
  return {
    path,
    commands,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await served;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("qmpCommandFor maps each state and mode to its QMP command", () => {
  assertEquals(qmpCommandFor(SystemState.SHUTDOWN, true), "system_powerdown");
  assertEquals(qmpCommandFor(SystemState.SHUTDOWN, false), "quit");
  assertEquals(qmpCommandFor(SystemState.COLD_RESET, true), "system_reset");
  assertEquals(qmpCommandFor(SystemState.WARM_RESET, false), "system_reset");
  assertEquals(qmpCommandFor(SystemState.SUSPEND, true), "stop");
  assertEquals(qmpCommandFor(SystemState.POWER_UP, false), undefined);
  assertEquals(qmpCommandFor(0x80000000, false), undefined);
});

Deno.test("qmp: negotiates capabilities, then sends exactly the state's command", async () => {
  const qmp = await fakeQmp();
  try {
    await qmpAction(qmp.path, SystemState.SHUTDOWN, true);
    await qmpAction(qmp.path, SystemState.WARM_RESET, false);
    await qmpAction(qmp.path, SystemState.SUSPEND, false);
    assertEquals(qmp.commands, [
      "qmp_capabilities",
      "system_powerdown",
      "qmp_capabilities",
      "system_reset",
      "qmp_capabilities",
      "stop",
    ]);
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: events ahead of the answer are skipped", async () => {
  const qmp = await fakeQmp({
    before: [`{"event": "POWERDOWN", "timestamp": {"seconds": 1, "microseconds": 2}}`],
  });
  try {
    await qmpExecute(qmp.path, "system_powerdown");
    assertEquals(qmp.commands, ["qmp_capabilities", "system_powerdown"]);
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: an error answer → DriverError hardware with QEMU's class and description", async () => {
  const qmp = await fakeQmp({
    answer: () => ({ error: { class: "GenericError", desc: "guest refused" } }),
  });
  try {
    const e = await assertRejects(
      () => qmpExecute(qmp.path, "system_reset"),
      DriverError,
      "GenericError: guest refused",
    );
    assertEquals((e as DriverError).fault, "hardware");
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: `quit` answered by QEMU exiting (connection closed) counts as success", async () => {
  const qmp = await fakeQmp({ answer: () => "close" });
  try {
    await qmpAction(qmp.path, SystemState.SHUTDOWN, false);
    assertEquals(qmp.commands, ["qmp_capabilities", "quit"]);
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: a connection closed before another command's answer → DriverError hardware", async () => {
  const qmp = await fakeQmp({ answer: () => "close" });
  try {
    await assertRejects(() => qmpExecute(qmp.path, "system_reset"), DriverError, "closed");
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: a peer that is not a QMP monitor → DriverError hardware", async () => {
  const qmp = await fakeQmp({ greeting: `{"hello": 1}\n` });
  try {
    await assertRejects(() => qmpExecute(qmp.path, "stop"), DriverError, "no QMP greeting");
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: no answer within the time limit → DriverError hardware", async () => {
  const qmp = await fakeQmp({ silent: true });
  try {
    await assertRejects(
      () => qmpExecute(qmp.path, "stop", { timeoutMs: 50 }),
      DriverError,
      "no answer within 50 ms",
    );
  } finally {
    await qmp.close();
  }
});

Deno.test("qmp: a missing socket → DriverError hardware naming the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => qmpExecute(`${dir}/none.sock`, "stop"),
      DriverError,
      `"${dir}/none.sock": cannot connect`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("qmp: power-up has no QMP command → DriverError unsupported", async () => {
  const e = await assertRejects(() => qmpAction("/nowhere", SystemState.POWER_UP, false));
  assertEquals((e as DriverError).fault, "unsupported");
});

Deno.test("commandArgv substitutes {state} and {graceful} in every argument", () => {
  assertEquals(
    commandArgv(["vmctl", "--{graceful}", "{state}", "x{state}y"], SystemState.WARM_RESET, false),
    ["vmctl", "--forceful", "warm-reset", "xwarm-resety"],
  );
  assertEquals(commandArgv(["{state}", "{graceful}"], SystemState.SHUTDOWN, true), [
    "shutdown",
    "graceful",
  ]);
  assertEquals(commandArgv(["{state}"], SystemState.COLD_RESET, true), ["cold-reset"]);
  assertEquals(commandArgv(["{state}"], SystemState.POWER_UP, true), ["power-up"]);
  assertEquals(commandArgv(["{state}"], SystemState.SUSPEND, true), ["suspend"]);
});

Deno.test("command: runs without a shell and passes the substituted arguments", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  try {
    await commandAction(
      ["sh", "-c", 'printf "%s %s" "$1" "$2" > "$0"', out, "{state}", "{graceful}"],
      SystemState.SUSPEND,
      true,
    );
    assertEquals(await Deno.readTextFile(out), "suspend graceful");
    await commandAction(["sh", "-c", 'printf "%s;" "$@" > "$0"', out, "a b", "$HOME"], 0, false);
    assertEquals(await Deno.readTextFile(out), "a b;$HOME;", "no shell expansion of arguments");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("command: a non-zero exit → DriverError hardware with the code and stderr", async () => {
  const e = await assertRejects(
    () => runCommand(["sh", "-c", "echo nope >&2; exit 3"]),
    DriverError,
    "exited with code 3: nope",
  );
  assertEquals((e as DriverError).fault, "hardware");
});

Deno.test("command: a program that does not exist → DriverError hardware", async () => {
  await assertRejects(
    () => runCommand(["/nonexistent/vscmi-no-such-program"]),
    DriverError,
    "could not run",
  );
});

Deno.test("command: a command that outlives the time limit is killed → DriverError hardware", async () => {
  // The rejection comes once the command has exited; a `sleep 60` left alive would end on its
  // own and resolve instead, so the assertion holds however slowly the machine runs.
  await assertRejects(
    () => runCommand(["sleep", "60"], { timeoutMs: 100 }),
    DriverError,
    "did not finish within 100 ms",
  );
});

Deno.test("command: an empty argv or a vendor state is refused", async () => {
  await assertRejects(() => runCommand([]), DriverError, "empty command");
  const e = await assertRejects(() => commandAction(["true"], 0x80000001, false));
  assertEquals((e as DriverError).fault, "unsupported");
});
