/**
 * Worker of `hvisor_bench.ts`: hvisor's EL2 and zone 1's guest driver, its vCPU spinning on
 * `cfg_flags` as a real one does. Messages in: `{ dir }` (create the bridge, answer when
 * el2.sock listens), `{ probe: true }` (wait for vscmi, probe), `{ kind, n }` (n round trips
 * of one kind); each answered with `{ ok }` or `{ error }`.
 *
 * Kinds: `config` — one trapped register read (Status) answered through cfg_flags; `mix` —
 * one command of the six-message mix on the cmdq, QueueNotify, and the interrupt handled as
 * Linux does (InterruptStatus read, InterruptACK write, the used buffer taken); `notify` —
 * for the floor: a bare QueueNotify and its interrupt, nothing read.
 * @module
 */
import { mixMessages } from "../../bench/_mix.ts";
import { MEM_BYTES, ZONES } from "./_deploy.ts";
import { El2 } from "./_el2.ts";
import { Guest, Reg } from "./_guest.ts";
import { ZoneRam } from "./_zone.ts";

const Z1 = ZONES[0];
let el2: El2;
let guest: Guest;
const mix = mixMessages(16);
let next = 0;

async function run(kind: string, n: number): Promise<void> {
  if (kind === "config") {
    for (let i = 0; i < n; i++) await el2.access(Z1.cpu, Z1.zone, Z1.base + Reg.STATUS, false);
  } else if (kind === "mix") {
    for (let i = 0; i < n; i++) {
      const [r] = await guest.sendMessages([mix[next++ % mix.length]]);
      if (r.status !== 0) throw new Error(`mix message ${next - 1}: status ${r.status | 0}`);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const irq = new Promise<void>((resolve) => el2.onInterrupt(Z1.zone, () => resolve()));
      await el2.notify(Z1.cpu, Z1.zone, Z1.base + Reg.QUEUE_NOTIFY, 0);
      await irq;
    }
  }
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = async (e: MessageEvent) => {
  const m = e.data;
  try {
    if (m.dir !== undefined) {
      el2 = await El2.create(m.dir, { memBytes: MEM_BYTES, spin: true });
    } else if (m.probe) {
      await el2.waitConnections(1);
      guest = new Guest(el2, new ZoneRam(el2.mem, Z1.region), Z1);
      await guest.probe();
    } else {
      await run(m.kind, m.n);
    }
    scope.postMessage({ ok: true });
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.stack : String(err) });
  }
};
