/**
 * What the vote journal costs on the six-message mix over the stream transport's Unix
 * socket: the same platform without a journal, with its journal on this machine's disk
 * (every vote change fdatasync'ed before its reply), and with it on tmpfs (the journal's own
 * work without the disk), measured in the same run, interleaved.
 *
 * Two shapes of traffic:
 * - one client, one request in flight at a time (a synchronous SCMI agent): every vote
 *   change waits for its own fsync, nothing to group;
 * - K agents on K sockets, each one request in flight: changes arriving while an fsync runs
 *   share the next one (group commit).
 *
 * Two mixes of the same six messages:
 * - the standard mix (`_mix.ts`): each clock always gets the same rate and the same enable
 *   value, so once the first pass has voted, its CLOCK_RATE_SET and CLOCK_CONFIG_SET repeat
 *   the agent's votes and change nothing: nothing to journal;
 * - the changing mix: every other pass sets other rates and flips the enables, so every
 *   CLOCK_RATE_SET and CLOCK_CONFIG_SET changes a vote — 2 messages of 6 wait for an fsync.
 * PROTOCOL_VERSION, CLOCK_ATTRIBUTES, CLOCK_RATE_GET and the autonomous RESET never do.
 *
 * Run: `deno run -A bench/journal_bench.ts [--rounds N] [--clients 1,8,32,64] [--disk DIR]`
 * (`deno task bench` runs the single-client comparison as Deno.bench entries).
 * @module
 */
import { parseArgs } from "node:util";
import { Agent } from "../core/agent.ts";
import { buildHwTable } from "../core/hw_table.ts";
import { Platform } from "../core/platform.ts";
import { type Durability, Journal } from "../server/journal/journal.ts";
import { DRIVERS, PROTOCOLS } from "../builtins.ts";
import type { TransportHandle } from "../core/transport.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { FramedClient } from "./_framed_client.ts";
import { encodeHeader } from "../core/header.ts";
import { BENCH_CLOCKS, BENCH_RESETS, benchBoard, mixMessages } from "./_mix.ts";
import { transportEnv } from "../core/session_port.ts";

/** One platform under test, with `agents` agents each on its own socket. */
interface Rig {
  label: string;
  platform: Platform;
  journal: Journal | null;
  sockets: string[];
  close(): Promise<void>;
}

async function rig(
  label: string,
  agents: number,
  stateDir: string | null,
  durability: Durability = "host",
): Promise<Rig> {
  const board = benchBoard();
  const sim = DRIVERS.find((d) => d.name === "sim")!;
  const driver = await sim.create({ name: "sim", options: { time_scale: 0 }, board });
  const list: Agent[] = [];
  for (let i = 1; i <= agents; i++) {
    const a = new Agent({ id: i, name: `bench${i}` });
    for (const p of [0x14, 0x16]) a.grants.protocols.set(p, {});
    for (let c = 0; c < BENCH_CLOCKS; c++) a.grants.maps.clock.grant(c);
    for (let r = 0; r < BENCH_RESETS; r++) a.grants.maps.reset.grant(r);
    list.push(a);
  }
  const journal = stateDir === null ? null : await Journal.open(stateDir, { durability });
  const platform = new Platform({
    board,
    hw: buildHwTable(board, new Map([["sim", driver]])),
    vendor: { vendor: "vscmi", subVendor: "bench", implementationVersion: 1 },
    agents: list,
    protocols: [...PROTOCOLS],
    journal,
  });
  platform.log.sink = () => {};
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-jbench-" });
  const handles: TransportHandle[] = [];
  for (const a of list) {
    handles.push(
      await streamTransport.start(transportEnv(platform, a, { options: {}, runDir })),
    );
  }
  return {
    label,
    platform,
    journal,
    sockets: list.map((a) => `${runDir}/${a.name}.sock`),
    async close() {
      for (const h of handles) await h.close();
      platform.close();
      await journal?.close();
      await Deno.remove(runDir, { recursive: true });
      if (stateDir !== null) await Deno.remove(stateDir, { recursive: true });
    },
  };
}

const frames = FramedClient.frame(mixMessages(16));

const RATES = [25_000_000, 50_000_000, 100_000_000, 200_000_000];

function words(ws: number[]): Uint8Array {
  const u8 = new Uint8Array(ws.length * 4);
  ws.forEach((w, i) => new DataView(u8.buffer).setUint32(i * 4, w >>> 0, true));
  return u8;
}

/**
 * The changing mix: the standard mix's six messages, two passes of 16 each, the second
 * with other rates and flipped enables, so cycling through it changes a vote with every
 * CLOCK_RATE_SET and CLOCK_CONFIG_SET.
 */
function changingMix(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < 16; i++) {
      const clk = (i * 7) % BENCH_CLOCKS;
      const rst = (i * 5) % BENCH_RESETS;
      const tok = i & 0x3ff;
      out.push(words([encodeHeader(0x0, 0, 0x10, tok)]));
      out.push(words([encodeHeader(0x3, 0, 0x14, tok), clk]));
      out.push(words([encodeHeader(0x6, 0, 0x14, tok), clk]));
      out.push(words([encodeHeader(0x5, 0, 0x14, tok), 0, clk, RATES[(i + pass) & 3], 0]));
      out.push(words([encodeHeader(0x7, 0, 0x14, tok), clk, (i + pass) & 1, 0]));
      out.push(words([encodeHeader(0x4, 0, 0x16, tok), rst, 1, 0]));
    }
  }
  return out;
}

const changing = FramedClient.frame(changingMix());

/** `conns`, each sending `perClient` messages of `mix` one at a time; elapsed ms. */
async function drive(conns: FramedClient[], mix: Uint8Array[], perClient: number) {
  const t0 = performance.now();
  await Promise.all(conns.map(async (c, k) => {
    // Each client starts at another place in the mix so they do not move in lockstep.
    for (let i = 0; i < perClient; i++) {
      const n = await c.roundTrip(mix[(i + k * 7) % mix.length]);
      if (n < 8) throw new Error("reply shorter than header + status");
    }
  }));
  return performance.now() - t0;
}

/** `n` connections to `r`'s first `n` agents. */
function connect(r: Rig, n: number): Promise<FramedClient[]> {
  return Promise.all(
    r.sockets.slice(0, n).map(async (path) =>
      new FramedClient(await Deno.connect({ transport: "unix", path }))
    ),
  );
}

/** Median of `xs`. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function tmpfsDir(): Promise<string | null> {
  try {
    const st = await Deno.stat("/dev/shm");
    if (!st.isDirectory) return null;
    return await Deno.makeTempDir({ dir: "/dev/shm", prefix: "vscmi-jbench-" });
  } catch {
    return null;
  }
}

/** Median time of one 40-byte append plus fdatasync in `dir`, µs: the disk's floor. */
async function fsyncFloor(dir: string): Promise<number> {
  const path = `${dir}/fsync-probe`;
  const f = await Deno.open(path, { create: true, append: true });
  const rec = new Uint8Array(40);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    f.writeSync(rec);
    await f.syncData();
    times.push((performance.now() - t0) * 1000);
  }
  f.close();
  await Deno.remove(path);
  return median(times);
}

/** Runs the comparison and prints it. */
async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string", default: "5" },
      clients: { type: "string", default: "1,8,32,64" },
      messages: { type: "string", default: "1920" },
      disk: { type: "string" },
    },
  });
  const rounds = Number(values.rounds);
  const perClient = Number(values.messages);
  const counts = values.clients!.split(",").map(Number);
  const most = Math.max(...counts);
  const disk = await Deno.makeTempDir({ dir: values.disk, prefix: "vscmi-jbench-state-" });
  const shm = await tmpfsDir();
  const rigs = [
    await rig("no journal", most, null),
    await rig(`journal on disk (${values.disk ?? "the temp dir"})`, most, disk),
  ];
  if (shm !== null) rigs.push(await rig("journal on tmpfs (/dev/shm)", most, shm));

  console.log(`vote journal cost over unix sockets (${rounds} rounds, median)`);
  console.log(
    `one 40-byte append + fdatasync: ${(await fsyncFloor(disk)).toFixed(0)} µs on disk` +
      (shm === null ? "" : `, ${(await fsyncFloor(shm)).toFixed(0)} µs on tmpfs`) + "\n",
  );
  for (const [name, mix] of [["standard mix", frames], ["changing mix", changing]] as const) {
    for (const k of counts) {
      const n = Math.max(mix.length * 2, Math.round(perClient / k / mix.length) * mix.length);
      const conns = await Promise.all(rigs.map((r) => connect(r, k)));
      await Promise.all(rigs.map((_, i) => drive(conns[i], mix, mix.length * 2))); // warm up
      const times = rigs.map(() => [] as number[]);
      const flushes = rigs.map((r) => r.journal?.stats.flushes ?? 0);
      const records = rigs.map((r) => r.journal?.stats.records ?? 0);
      for (let round = 0; round < rounds; round++) {
        for (const i of rigs.keys()) times[i].push(await drive(conns[i], mix, n));
      }
      const base = median(times[0]);
      const msgs = k * n;
      console.log(`${name}, ${k} client${k === 1 ? "" : "s"} × ${n} messages, one in flight each:`);
      for (const [i, r] of rigs.entries()) {
        const t = median(times[i]);
        const perMsg = (t * 1000) / msgs;
        let line = `  ${r.label.padEnd(44)} ${(msgs / t * 1000).toFixed(0).padStart(7)} msg/s ` +
          `${perMsg.toFixed(1).padStart(7)} µs/msg`;
        if (i > 0) {
          const f = (r.journal!.stats.flushes - flushes[i]) / rounds;
          const c = (r.journal!.stats.records - records[i]) / rounds;
          line += ` ${(t / base - 1) * 100 >= 0 ? "+" : ""}${((t / base - 1) * 100).toFixed(1)} %` +
            `, ${c.toFixed(0)} records in ${f.toFixed(0)} fsyncs a round`;
        }
        console.log(line);
      }
      for (const cs of conns) for (const c of cs) c.conn.close();
      // Let the closed sessions release their votes before the next shape starts.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const r of rigs) await r.close();
}

if (import.meta.main) {
  await main(Deno.args);
} else {
  // `deno bench`: no journal is each group's baseline. Agents 1 and 2 drive the single-client
  // groups, 3 to 66 the concurrent one.
  const AGENTS = 66;
  const plain = await rig("no journal", AGENTS, null);
  const byDefault = await rig(
    "journal (default mode)",
    AGENTS,
    await Deno.makeTempDir({ prefix: "vscmi-jb-" }),
    "process",
  );
  const host = await rig(
    "journal (host mode)",
    AGENTS,
    await Deno.makeTempDir({ prefix: "vscmi-jb-" }),
    "host",
  );
  const clients = (r: Rig) =>
    Promise.all(
      r.sockets.map(async (path) =>
        new FramedClient(await Deno.connect({ transport: "unix", path }))
      ),
    );
  const [p, d, h] = await Promise.all([plain, byDefault, host].map(clients));
  const entries: [string, Uint8Array[], number][] = [
    ["standard mix (votes repeat: nothing to journal)", frames, 0],
    ["changing mix (2 of 6 messages change a vote)", changing, 1],
  ];
  for (const [group, mix, k] of entries) {
    for (
      const [name, cs] of [["no journal", p], ["journal (default mode)", d], [
        "journal (host mode)",
        h,
      ]] as const
    ) {
      let i = 0;
      Deno.bench({
        name,
        group,
        baseline: cs === p,
        fn: async () => void await cs[k].roundTrip(mix[i++ % mix.length]),
      });
    }
  }
  // 64 agents, each one request in flight, all at once: one iteration is a round trip each.
  for (
    const [name, cs] of [["no journal", p], ["journal (default mode)", d], [
      "journal (host mode)",
      h,
    ]] as const
  ) {
    let i = 0;
    const mine = cs.slice(2);
    Deno.bench({
      name,
      group: "64 concurrent agents",
      baseline: cs === p,
      fn: async () => {
        const at = i++;
        await Promise.all(
          mine.map((c, n) => c.roundTrip(changing[(at + n * 7) % changing.length])),
        );
      },
    });
  }
}
