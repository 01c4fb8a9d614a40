/**
 * A Linux-like SCMI agent over the shmem transport's file binding, run as its own process:
 * `deno run -A tests/shmem/_linux_client.ts RUN_DIR AGENT smc FUNCTION_ID A2P_OFFSET`
 * or `… RUN_DIR AGENT mailbox A2P_NUMBER A2P_OFFSET P2A_NUMBER P2A_OFFSET`.
 *
 * It opens `AGENT.shm`, `AGENT.doorbell` and `AGENT.irq` as a VMM shim would, and drives the
 * channel areas exactly as Linux's arm_scmi shmem code does (polling on SMC, completion
 * interrupts on the mailbox). It probes as Linux does at boot — Base, then for each protocol
 * the platform lists its version, attributes, the PROTOCOL_MESSAGE_ATTRIBUTES of its notify
 * commands and every resource's attributes — and, on a mailbox agent, subscribes to a clock's
 * rate changes and sets its rate asynchronously, collecting what arrives on the P2A channel.
 * It prints one JSON report.
 * @module
 */
import { FileShim } from "../../bindings/file/_shim_test.ts";
import { LinuxChannel, LinuxP2a } from "../../transports/shmem/_linux_agent_test.ts";
import { HEADER } from "../../transports/shmem/layout.ts";

const [runDir, agent, kind, ...rest] = Deno.args;
const mailbox = kind === "mailbox";
const AREA = 0x100;
const nums = rest.map((s) => Number(s));
const [fidOrNum, a2pOffset] = nums;
const [p2aNumber, p2aOffset] = mailbox ? [nums[2], nums[3]] : [-1, -1];

const shim = await FileShim.open(runDir, agent);
const tx = new LinuxChannel(shim.mem, a2pOffset, AREA);
const rx = mailbox ? new LinuxP2a(shim.mem, p2aOffset, AREA) : null;

/** What arrived on the P2A channel, whole messages as hex. */
const p2a: string[] = [];
let completions = 0;
let wake = null as (() => void) | null;
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

(async () => {
  for (;;) {
    let number: number;
    try {
      number = await shim.nextIrq();
    } catch {
      return; // the socket ended
    }
    if (number === p2aNumber && rx) p2a.push(hex(rx.take()));
    else if (number === fidOrNum) completions++;
    wake?.();
  }
})();

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(
      `hang: ${what} (P2A so far: ${JSON.stringify(p2a)}; P2A status ${rx?.w.get(p2aOffset + 4)})`,
    );
    Deno.exit(3);
  }, Number(Deno.env.get("HANG_MS") ?? 60_000));
  while (!cond()) await new Promise<void>((r) => wake = r);
  clearTimeout(deadline);
}

let token = 0;

/** One command as Linux sends it; resolves to status and the words after it. */
async function xfer(
  protocol: number,
  id: number,
  params: number[] = [],
): Promise<{ status: number; words: number[]; bytes: Uint8Array }> {
  token = (token + 1) & 0x3ff;
  const header = (id | protocol << 10 | token << 18) >>> 0;
  const p = new Uint8Array(params.length * 4);
  params.forEach((w, i) => new DataView(p.buffer).setUint32(i * 4, w >>> 0, true));
  const before = completions;
  tx.prepare(header, p, !mailbox);
  const a0 = await shim.ring(fidOrNum);
  if (a0 !== 0n) throw new Error(`doorbell answered 0x${a0.toString(16)}`);
  if (mailbox) await waitFor(() => completions > before, "completion interrupt");
  if (!tx.pollDone(header)) throw new Error("the reply is not in the channel");
  const r = tx.fetch(AREA - HEADER - 8);
  if (r.header !== header) throw new Error(`header 0x${r.header.toString(16)} echoed wrongly`);
  const words: number[] = [];
  const dv = new DataView(r.payload.buffer);
  for (let i = 0; i + 4 <= r.payload.length; i += 4) words.push(dv.getUint32(i, true));
  return { status: r.status, words, bytes: r.payload };
}

/** Notify commands Linux probes with PROTOCOL_MESSAGE_ATTRIBUTES, by protocol. */
const NOTIFY: Record<number, number[]> = {
  0x10: [0x8],
  0x11: [0x6],
  0x12: [0x5],
  0x13: [0x9, 0xa],
  0x14: [0x9, 0xa],
  0x15: [0x4, 0xb],
  0x16: [0x5],
  0x18: [0xa, 0xb],
};

interface ProtocolReport {
  version: number;
  attributes: number[];
  /** Statuses of PROTOCOL_MESSAGE_ATTRIBUTES for each notify command. */
  notify: Record<string, number>;
  /** Resources by type, and the status of each one's attributes command. */
  resources: Record<string, number[]>;
  /** First attributes word of each resource (flags), where the protocol has one. */
  flags: number[];
}

const report: {
  agent: string;
  vendor: string;
  protocols: number[];
  numAgents: number;
  perProtocol: Record<string, ProtocolReport>;
  p2a: string[];
  async?: Record<string, number>;
} = { agent, vendor: "", protocols: [], numAgents: 0, perProtocol: {}, p2a };

// Base, as Linux probes it.
const ok = async (p: number, id: number, params: number[] = []) => {
  const r = await xfer(p, id, params);
  if (r.status !== 0) throw new Error(`0x${p.toString(16)}/${id}: status ${r.status}`);
  return r;
};
await ok(0x10, 0x0);
const battr = (await ok(0x10, 0x1)).words[0];
const nproto = battr & 0xff;
report.numAgents = (battr >>> 8) & 0xff;
report.vendor = new TextDecoder().decode((await ok(0x10, 0x3)).bytes).replace(/\0.*$/s, "");
await ok(0x10, 0x4);
await ok(0x10, 0x5);
while (report.protocols.length < nproto) {
  const r = await ok(0x10, 0x6, [report.protocols.length]);
  const n = r.words[0];
  if (n === 0) break;
  for (let i = 0; i < n; i++) report.protocols.push(r.bytes[4 + i]);
}
for (let i = 0; i < report.numAgents; i++) await xfer(0x10, 0x7, [i]);

for (const p of [0x10, ...report.protocols]) {
  const version = (await ok(p, 0x0)).words[0];
  const attributes = (await ok(p, 0x1)).words;
  const notify: Record<string, number> = {};
  for (const id of NOTIFY[p] ?? []) notify[id] = (await xfer(p, 0x2, [id])).status;
  const resources: Record<string, number[]> = {};
  const flags: number[] = [];
  const each = async (type: string, n: number, params: (i: number) => number[]) => {
    resources[type] = [];
    for (let i = 0; i < n; i++) {
      const r = await xfer(p, 0x3, params(i));
      resources[type].push(r.status);
      flags.push(r.words[0] ?? 0);
    }
  };
  const count = attributes[0] & 0xffff;
  if ([0x11, 0x13, 0x14, 0x16, 0x17, 0x18].includes(p)) await each("id", count, (i) => [i]);
  if (p === 0x15) await each("sensor", count ? 1 : 0, () => [0]);
  if (p === 0x19) {
    await each("pin", attributes[0] & 0xffff, (i) => [i, 0]);
    await each("group", attributes[0] >>> 16, (i) => [i, 1]);
    await each("function", attributes[1] & 0xffff, (i) => [i, 2]);
  }
  report.perProtocol[p.toString(16)] = { version, attributes, notify, resources, flags };
}

if (mailbox) {
  // Clock 0: subscribe to its rate changes, then set a rate it supports other than its
  // current one, asynchronously: CLOCK_RATE_CHANGED and CLOCK_RATE_SET_COMPLETE (a delayed
  // response) arrive on P2A.
  await ok(0x14, 0x9, [0, 1]);
  const now = (await ok(0x14, 0x6, [0])).words[0];
  const d = (await ok(0x14, 0x4, [0, 0])).words;
  const range = (d[0] & 0x1000) !== 0;
  const candidates = range ? [d[1], d[3]] : d.slice(1).filter((_, i) => i % 2 === 0);
  const rate = candidates.find((r) => r !== now) ?? candidates[0];
  const set = await xfer(0x14, 0x5, [1, 0, rate, 0]);
  report.async = { rateSetStatus: set.status };
  await waitFor(() => p2a.length >= 2, "CLOCK_RATE_CHANGED and CLOCK_RATE_SET_COMPLETE");
} else {
  // An asynchronous clock rate set is refused: nothing could carry its delayed response.
  const rates = await ok(0x14, 0x4, [0, 0]);
  report.async = { rateSetStatus: (await xfer(0x14, 0x5, [1, 0, rates.words[1], 0])).status };
}

console.log(JSON.stringify(report));
shim.close();
Deno.exit(0);
