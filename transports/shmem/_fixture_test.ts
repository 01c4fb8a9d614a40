/**
 * Test helper: a platform serving `vm1` (Base and a demo protocol whose commands reply at once,
 * after a wait, notify, or send a delayed response), shared memory that records every read and
 * write the platform makes, and a shmem endpoint over it.
 * @module
 */
import { defineProtocol } from "../../core/protocol.ts";
import { Logger } from "../../core/log.ts";
import { sessionOpener } from "../../core/session_port.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { baseProtocol } from "../../plugins/base/mod.ts";
import { fixture } from "../../tests/harness.ts";
import { ShmemEndpoint } from "./endpoint.ts";
import { BytesMemory } from "./layout.ts";
import { checkShmemOptions, type ShmemConfig } from "./options.ts";

export const DEMO = 0x80;
export const DemoMsg = { SLOW: 0x3, ECHO: 0x4, NOTIFY: 0x5, DELAYED: 0x6 } as const;

/** A protocol whose commands answer now, later, with a notification or a delayed response. */
export const demo = defineProtocol({
  api: 1,
  id: DEMO,
  name: "demo",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    [DemoMsg.SLOW]: {
      name: "SLOW",
      params: { min: 0 },
      run: async (_c, m) => {
        await Promise.resolve();
        for (let n = m.r.remaining >>> 2; n > 0; n--) m.w.u32(m.r.u32());
      },
    },
    [DemoMsg.ECHO]: {
      name: "ECHO",
      params: { min: 0 },
      run: (_c, m) => {
        for (let n = m.r.remaining >>> 2; n > 0; n--) m.w.u32(m.r.u32());
      },
    },
    [DemoMsg.NOTIFY]: {
      name: "NOTIFY",
      params: { min: 0 },
      run: (ctx, m) => {
        const n = m.r.remaining >= 4 ? m.r.u32() : 1;
        for (let i = 0; i < (n & 7); i++) ctx.notify(i, 4, (w) => w.u32(0xa0 + i));
      },
    },
    [DemoMsg.DELAYED]: {
      name: "DELAYED",
      params: { min: 0 },
      run: (ctx, m) =>
        void ctx.delayed(DemoMsg.DELAYED, (m.header >>> 18) & 0x3ff, 0, 4, (w) => w.u32(0xd1)),
    },
  },
});

export const fx = await fixture({
  protocols: [baseProtocol, demo],
  agents: [{ name: "vm1", protocols: { [DEMO]: undefined } }],
});
fx.platform.closeSession(fx.session("vm1"));
export const agent = fx.platform.agent("vm1")!;

/** One recorded access: `r OFFSET LEN`, `w OFFSET HEX`, or `irq N`. */
export type Access = string;

const hexOf = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Memory that logs the accesses made while `recording`. */
export class RecordingMemory extends BytesMemory {
  readonly log: Access[] = [];
  recording = false;
  override read(offset: number, dst: Uint8Array): void {
    if (this.recording) this.log.push(`r ${offset} ${dst.length}`);
    super.read(offset, dst);
  }
  override write(offset: number, src: Uint8Array): void {
    if (this.recording) this.log.push(`w ${offset} ${hexOf(src)}`);
    super.write(offset, src);
  }
}

export { hexOf };

/** An endpoint of `vm1` with `options` over fresh recording memory; dispose to close it. */
export function endpoint(options: Record<string, unknown>, memSize = 0x2000) {
  const cfg: ShmemConfig = checkShmemOptions(options, ["file"]);
  const mem = new RecordingMemory(new Uint8Array(memSize));
  const clock = new ManualClock();
  const logs: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  let canInterrupt = true;
  const sink = {
    get canInterrupt() {
      return canInterrupt;
    },
    interrupt: (n: number) => void mem.log.push(`irq ${n}`),
  };
  const ep = new ShmemEndpoint(sessionOpener(fx.platform, agent), cfg, mem, sink, {
    log,
    clock,
    label: "vm1@test",
  });
  return {
    ep,
    cfg,
    mem,
    clock,
    logs,
    setInterrupts(on: boolean) {
      canInterrupt = on;
    },
    [Symbol.dispose]: () => ep.close(),
  };
}
