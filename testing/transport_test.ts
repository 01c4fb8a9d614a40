import { assertEquals } from "../core/_assert_test.ts";
import type { Msg } from "../core/msg.ts";
import type { SessionPort } from "../core/session_port.ts";
import type { TransportDef } from "../core/transport.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { streamWire } from "../tests/conformance/stream_wire.ts";
import { transportConformance } from "./transport.ts";
import { recorder } from "./_recorder_test.ts";
import { ManualClock } from "../core/timer_clock.ts";
import { advanceUntil } from "../core/_wait_test.ts";

/** The stream transport with each session port it opens changed by `change`. */
function streamWith(change: (p: SessionPort) => Partial<SessionPort>): TransportDef {
  return {
    ...streamTransport,
    start: (env) =>
      streamTransport.start({
        ...env,
        open(options): SessionPort {
          const p = env.open(options);
          return {
            get label() {
              return p.label;
            },
            get open() {
              return p.open;
            },
            p2a: p.p2a,
            tracing: p.tracing,
            quota: p.quota,
            deliver: (m: Msg) => p.deliver(m),
            nextTurn: () => p.nextTurn(),
            sent: (b) => p.sent(b),
            close: (how) => p.close(how),
            ...change(p),
          };
        },
      }),
  };
}

/** The stream transport, except that every reply it sends lacks its last byte. */
const shortReplies = streamWith((p) => ({
  deliver: (m: Msg) => {
    const n = p.deliver(m) as number;
    return n > 4 ? n - 1 : n;
  },
}));

Deno.test("transportConformance: a transport that shortens replies fails every exchange", async () => {
  const { t, outcomes } = recorder();
  await transportConformance(t, { transport: shortReplies, wire: streamWire });
  assertEquals(outcomes, {
    "a session per connection, closed when the agent goes": "failed",
    "replies of exact length, empty to the agent's largest": "failed",
    "hostile framing, length prefix of 4 GiB: session closed, transport still serving": "failed",
    "hostile framing, a 2-byte message, then a request: session closed, transport still serving":
      "failed",
    "hostile framing, half a frame, then gone: session closed, transport still serving": "failed",
    "closing the transport closes every session it opened": "failed",
  });
});

Deno.test("transportConformance: sessions per transport are checked, not assumed", async () => {
  // The stream transport opens a session per connection: told otherwise, the suite fails it.
  const stream = recorder();
  await transportConformance(stream.t, {
    transport: streamTransport,
    wire: streamWire,
    sessions: { perTransport: "claimed" },
  });
  assertEquals(
    stream.outcomes["one session from start to close, kept when a connection goes (claimed)"],
    "failed",
  );
});

/** The stream transport, except that it never closes the sessions it opened. */
const neverCloses = streamWith(() => ({ close: () => {} }));

Deno.test("transportConformance: a session that never closes fails its steps instead of hanging", async () => {
  const { t, outcomes } = recorder();
  // The guard's clock moves only when the test moves it: a millisecond a turn while the suite runs.
  const clock = new ManualClock();
  await advanceUntil(
    clock,
    transportConformance(t, { transport: neverCloses, wire: streamWire, hangMs: 20, clock }),
    1,
  );
  assertEquals(outcomes["a session per connection, closed when the agent goes"], "failed");
  assertEquals(outcomes["closing the transport closes every session it opened"], "failed");
});
