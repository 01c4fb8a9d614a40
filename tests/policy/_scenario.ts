/**
 * The three-agent scenario of `scenario_test.ts`: a small board and a deployment written as
 * manifest text (so the policy keys are exercised end to end), built into a platform, with a
 * client per agent that speaks raw SCMI words and a clock the test moves by hand.
 *
 * | agent  | trusted | clocks (virtual id → board name)                                   |
 * | ------ | ------- | ------------------------------------------------------------------ |
 * | `vm1`  | no      | 0 gated, 1 pix (≤ 150 MHz), 2 slow, 3 tick, 4 aux (read), 5 bus ("vm1_bus") |
 * | `vm2`  | no      | 0 bus (50 or 100 MHz only), 1 gated, 2 slow, 3 tick                |
 * | `host` | yes     | 0 hidden_clk, 1 osc, 2 pix                                         |
 *
 * Perf domains: vm1 0 cpu, 1 dsp (read); vm2 0 dsp, 1 cpu (≤ 300); host 0 hidden_perf, 1 dsp.
 * Device `io` (bus, gated, rst, pd_io, temp, vdd, cap, p0/g0/f0) is vm1's and vm2's; device
 * `hidden` (every `hidden_*` resource) is the host's; device `extra` (aux) nobody's.
 * Policies: bus max (board), pix exclusive, slow min, tick last, cpu max, dsp exclusive;
 * osc and pd_top kept on. vm2 may send 1000 commands a second, 50 at once.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { perfKind } from "../../plugins/perf/kind.ts";
import { buildPlatform, type Built } from "../../server/build.ts";
import { encodeHeader } from "../../core/header.ts";
import { loadDeployment } from "../../server/manifest/mod.ts";
import { Msg } from "../../core/msg.ts";
import type { Platform } from "../../core/platform.ts";
import type { Session } from "../../core/session.ts";
import { BUILTINS } from "../../builtins.ts";

const level = (mhz: number) => `{ level = ${mhz}, freq = "${mhz}MHz", power = ${mhz} }`;
const LEVELS = `levels = [${[100, 200, 300, 400].map(level).join(", ")}]`;

export const BOARD = `[board]
name = "scenario"
perf_power_unit = "mW"

[[driver]]
name = "sim"
type = "sim"
options = { time_scale = 0 }

[[clock]]
id = 0
name = "osc"
rates = ["24MHz"]
enabled = true

[[clock]]
id = 1
name = "bus"
rates = ["50MHz", "100MHz", "200MHz"]
rate = "100MHz"
parents = ["osc"]
enabled = true
policy = "max"

[[clock]]
id = 2
name = "pix"
range = { min = "25MHz", max = "300MHz", step = "1MHz" }
rate = "100MHz"

[[clock]]
id = 3
name = "slow"
rates = ["10MHz", "20MHz", "40MHz"]
rate = "40MHz"

[[clock]]
id = 4
name = "tick"
rates = ["1MHz", "2MHz", "4MHz"]

[[clock]]
id = 5
name = "hidden_clk"
rates = ["1MHz", "2MHz"]

[[clock]]
id = 6
name = "gated"
rates = ["12MHz"]
parents = ["bus"]

[[clock]]
id = 7
name = "aux"
rates = ["5MHz", "6MHz"]

[[reset]]
id = 0
name = "rst"

[[reset]]
id = 1
name = "hidden_rst"

[[power]]
id = 0
name = "pd_top"
on = true

[[power]]
id = 1
name = "pd_io"
parent = "pd_top"

[[power]]
id = 2
name = "hidden_pd"
parent = "pd_top"

[[perf]]
id = 0
name = "cpu"
${LEVELS}
level = 100

[[perf]]
id = 1
name = "hidden_perf"
${LEVELS}

[[perf]]
id = 2
name = "dsp"
${LEVELS}
level = 100

[[sensor]]
id = 0
name = "temp"
type = "celsius"
sim = { kind = "constant", value = 25 }

[[sensor]]
id = 1
name = "hidden_temp"
type = "celsius"
sim = { kind = "constant", value = 30 }

[[voltage]]
id = 0
name = "vdd"
levels = ["800mV", "900mV", "1V"]
level = "900mV"
on = true

[[voltage]]
id = 1
name = "hidden_volt"
levels = ["1V"]

[[powercap]]
id = 0
name = "cap"
min_cap = "1W"
max_cap = "5W"
cap_step = "100mW"

[[powercap]]
id = 1
name = "hidden_cap"
min_cap = "1W"
max_cap = "2W"
cap_step = "100mW"

[[pin]]
id = 0
name = "p0"

[[pin]]
id = 1
name = "hidden_pin"

[[group]]
id = 0
name = "g0"
pins = ["p0"]

[[group]]
id = 1
name = "hidden_grp"
pins = ["hidden_pin"]

[[function]]
id = 0
name = "f0"
groups = ["g0"]

[[function]]
id = 1
name = "hidden_fn"
groups = ["hidden_grp"]

[[device]]
id = 0
name = "io"
clocks = ["bus", "gated"]
resets = ["rst"]
power_domains = ["pd_io"]
sensors = ["temp"]
voltage_domains = ["vdd"]
powercaps = ["cap"]
pins = ["p0"]
groups = ["g0"]
functions = ["f0"]

[[device]]
id = 1
name = "extra"
clocks = ["aux"]

[[device]]
id = 2
name = "hidden"
clocks = ["hidden_clk"]
resets = ["hidden_rst"]
power_domains = ["hidden_pd"]
perf_domains = ["hidden_perf"]
sensors = ["hidden_temp"]
voltage_domains = ["hidden_volt"]
powercaps = ["hidden_cap"]
pins = ["hidden_pin"]
groups = ["hidden_grp"]
functions = ["hidden_fn"]
`;

const ALL = `["power", "perf", "clock", "sensor", "reset", "voltage", "powercap", "pinctrl"]`;

export const DEPLOYMENT = `board = "board.toml"

[policy.keep_on]
clocks = ["osc"]
power_domains = ["pd_top"]

[policy.clock]
pix = "exclusive"
slow = "min"
tick = "last"

[policy.perf]
cpu = "max"
dsp = "exclusive"

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ${ALL}
devices = ["io"]
clocks = ["pix", "slow", "tick"]
perf_domains = ["cpu", "dsp"]

[[agent.clock]]
name = "bus"
virtual = 5
as = "vm1_bus"

[[agent.clock]]
name = "pix"
max = "150MHz"

[[agent.clock]]
name = "aux"
access = "read"

[[agent.perf]]
name = "dsp"
access = "read"

[[agent.voltage]]
name = "vdd"
max = "900mV"

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["power", "perf", "clock", "sensor", "reset", "voltage", "powercap"]
devices = ["io"]
clocks = ["slow", "tick"]
perf_domains = ["dsp", "cpu"]
rate_limit = { per_s = 1000, burst = 50 }

[[agent.clock]]
name = "bus"
rates = ["50MHz", "100MHz"]

[[agent.perf]]
name = "cpu"
max = 300

[[agent.powercap]]
name = "cap"
min = "2W"
max = "4W"

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = ${ALL}
devices = ["hidden"]
clocks = ["osc", "pix"]
power_domains = ["pd_top"]
perf_domains = ["dsp"]
`;

/** Protocol ids. */
export const P = {
  BASE: 0x10,
  POWER: 0x11,
  PERF: 0x13,
  CLOCK: 0x14,
  SENSOR: 0x15,
  RESET: 0x16,
  VOLTAGE: 0x17,
  POWERCAP: 0x18,
  PINCTRL: 0x19,
} as const;

/** A reply: its status and the words after it; `text` is every byte as Latin-1. */
export interface Reply {
  status: number;
  words: number[];
  text: string;
}

/** A platform→agent message: header fields and the words after the header. */
export interface P2a {
  type: number;
  protocol: number;
  id: number;
  token: number;
  words: number[];
  text: string;
}

function latin1(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

function words(b: Uint8Array, from: number): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = from; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

export class Scenario {
  readonly sessions = new Map<string, Session>();
  readonly logs: string[] = [];
  /** The platform's clock, ms; every call moves it 1 ms on unless `hold` is set. */
  t = 0;
  hold = false;
  #token = 0;

  private constructor(readonly built: Built, readonly dir: string) {
    const p = built.platform;
    p.now = () => this.t;
    p.log.sink = (level, line) => void this.logs.push(`${level}: ${line}`);
    for (const a of p.agents) this.sessions.set(a.name, p.openSession(a, { p2a: true }));
  }

  static async start(): Promise<Scenario> {
    const dir = await Deno.makeTempDir({ prefix: "vscmi-scenario-" });
    await Deno.writeTextFile(`${dir}/board.toml`, BOARD);
    await Deno.writeTextFile(`${dir}/vscmi.toml`, DEPLOYMENT);
    const built = await buildPlatform(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS));
    return new Scenario(built, dir);
  }

  get platform(): Platform {
    return this.built.platform;
  }

  /** Hardware state of physical clock `id`. */
  clockOn(id: number): boolean {
    return clockKind.hwOf(this.platform.env.hw)[id]!.isEnabled(id) as boolean;
  }
  async clockRate(id: number): Promise<number> {
    return await clockKind.hwOf(this.platform.env.hw)[id]!.getRate(id);
  }
  async perfLevel(id: number): Promise<number> {
    return await perfKind.hwOf(this.platform.env.hw)[id]!.getLevel(id);
  }

  /** Sends command `msg` of `protocol` with u32 `params` as `agent`. */
  async call(agent: string, protocol: number, msg: number, params: number[] = []): Promise<Reply> {
    if (!this.hold) this.t += 1;
    this.#token = (this.#token + 1) & 0x3ff;
    const req = new Uint8Array(4 + params.length * 4);
    const dv = new DataView(req.buffer);
    dv.setUint32(0, encodeHeader(msg, 0, protocol, this.#token), true);
    params.forEach((w, i) => dv.setUint32(4 + i * 4, w >>> 0, true));
    const out = new Uint8Array(512);
    const m = new Msg();
    m.r.reset(req, 0, req.length);
    m.w.reset(out, 0, out.length);
    const n = await this.platform.dispatch(this.session(agent), m);
    const reply = out.slice(0, n);
    const w = words(reply, 4);
    return { status: w[0] | 0, words: w.slice(1), text: latin1(reply) };
  }

  /** The status of a command. */
  async status(agent: string, protocol: number, msg: number, params: number[] = []) {
    return (await this.call(agent, protocol, msg, params)).status;
  }

  /** The words after a SUCCESS status; throws on any other status. */
  async ok(agent: string, protocol: number, msg: number, params: number[] = []) {
    const r = await this.call(agent, protocol, msg, params);
    if (r.status !== 0) {
      throw new Error(
        `${agent}: 0x${protocol.toString(16)}/0x${msg.toString(16)} → status ${r.status}`,
      );
    }
    return r.words;
  }

  session(agent: string): Session {
    const s = this.sessions.get(agent);
    if (!s) throw new Error(`No session for "${agent}"`);
    return s;
  }

  /** Every platform→agent message queued for `agent`, taken. */
  drain(agent: string): P2a[] {
    const q = this.session(agent).p2a!;
    const out: P2a[] = [];
    while (q.length) {
      const b = q.shift()!;
      const h = new DataView(b.buffer, b.byteOffset).getUint32(0, true);
      out.push({
        id: h & 0xff,
        type: (h >>> 8) & 0x3,
        protocol: (h >>> 10) & 0xff,
        token: (h >>> 18) & 0x3ff,
        words: words(b, 4),
        text: latin1(b),
      });
    }
    return out;
  }

  /** Closes `agent`'s session (its channel goes) and opens a new one. */
  reconnect(agent: string): void {
    const old = this.session(agent);
    this.platform.closeSession(old);
    this.sessions.set(agent, this.platform.openSession(old.agent, { p2a: true }));
  }

  /** Audit lines logged so far for `agent`. */
  audit(agent: string): string[] {
    return this.logs.filter((l) => l.includes(`audit: agent "${agent}"`));
  }

  async close(): Promise<void> {
    await this.built.close();
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** A rate as its two u32 words, low first. */
export function u64(v: number): [number, number] {
  return [v % 2 ** 32, Math.floor(v / 2 ** 32)];
}

export const MHZ = 1_000_000;
