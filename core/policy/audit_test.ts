import { assertEquals } from "../_assert_test.ts";
import { Agent } from "../agent.ts";
import { emptyBoard } from "../board.ts";
import { encodeHeader } from "../header.ts";
import { Logger } from "../log.ts";
import { Msg } from "../msg.ts";
import { Session } from "../session.ts";
import { Status } from "../status.ts";
import { Audit, AuditWhy } from "./audit.ts";
import { until } from "../_wait_test.ts";

function setup(opts: ConstructorParameters<typeof Audit>[2]) {
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (_level, line) => void lines.push(line);
  const audit = new Audit(log, emptyBoard(), opts);
  const s = (name: string) => new Session(new Agent({ id: 1, name }), { p2a: false });
  const m = new Msg();
  m.header = encodeHeader(5, 0, 0x14, 1);
  return { lines, audit, s, m };
}

Deno.test("audit: with timers, a quiet agent's suppressed count comes when its window ends", async () => {
  const { lines, audit, s, m } = setup({ lines: 1, windowMs: 20 });
  const vm1 = s("vm1");
  for (let i = 0; i < 5; i++) audit.refused(vm1, m, undefined, Status.DENIED, AuditWhy.HANDLER);
  assertEquals(lines, ['audit: agent "vm1" protocol 0x14 message 0x5: DENIED']);
  await until(() => lines.length >= 2, "the window's summary");
  assertEquals(lines.length, 2);
  assertEquals(
    /^audit: agent "vm1": 4 more refused requests suppressed in the last \d+ ms$/
      .test(lines[1]),
    true,
    lines[1],
  );
});

Deno.test("audit: each agent has its own window; forget() prints what it owes", () => {
  let now = 0;
  const { lines, audit, s, m } = setup({ lines: 2, timers: false, now: () => now });
  const [a, b] = [s("a"), s("b")];
  for (let i = 0; i < 4; i++) {
    audit.refused(a, m, undefined, Status.DENIED, AuditWhy.HANDLER);
    audit.refused(b, m, undefined, Status.DENIED, AuditWhy.HANDLER);
  }
  assertEquals(lines.length, 4, "two lines each");
  now = 10;
  audit.forget(a.agent);
  assertEquals(lines[4], 'audit: agent "a": 2 more refused requests suppressed in the last 10 ms');
  audit.forget(a.agent);
  assertEquals(lines.length, 5, "forgotten once");
});

Deno.test("audit: a handler's status other than DENIED is not audited", () => {
  const { lines, audit, s, m } = setup({ timers: false });
  const vm1 = s("vm1");
  for (const st of [Status.SUCCESS, Status.NOT_FOUND, Status.OUT_OF_RANGE, Status.BUSY]) {
    audit.refused(vm1, m, undefined, st, AuditWhy.HANDLER);
  }
  assertEquals(lines, []);
});
