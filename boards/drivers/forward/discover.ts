/**
 * `vscmi discover --forward SOCKET|RAWDIR`: asks the downstream platform, as the agent this
 * driver will be, which protocols it serves and which clocks, reset, power, performance and
 * voltage domains it shows (ids, names, rates, levels, parents, state at the time), and
 * writes the board
 * manifest whose `[[driver]]` is a forward driver reaching it. A path that is a directory is
 * a raw-mode directory, anything else a stream socket.
 * @module
 */
import type { DiscoverEnv, DriverDiscovery } from "../../../core/driver.ts";
import { systemClock } from "../../../core/timer_clock.ts";
import { BaseMsg } from "../../../plugins/base/msg.ts";
import { ClockAttr, ClockMsg, ClockVersion, RatesFlag } from "../../../plugins/clock/msg.ts";
import { PowerState } from "../../../plugins/power/hw.ts";
import { PowerDomainAttr, PowerMsg } from "../../../plugins/power/msg.ts";
import { ResetAttr, ResetMsg } from "../../../plugins/reset/msg.ts";
import { CommonMsg } from "../../../core/protocol.ts";
import { type Payload, signed5 } from "../../../client/mod.ts";
import { CLOCK, clockAccess } from "./clock.ts";
import { Link } from "./link.ts";
import { downstreamOf } from "./downstream.ts";
import { POWER } from "./power.ts";
import { RESET } from "./reset.ts";
import { PERF } from "./perf.ts";
import { VOLTAGE } from "./voltage.ts";
import { nextS64, SENSOR } from "./sensor.ts";
import { microwattsPer, POWERCAP } from "./powercap.ts";
import { PINCTRL } from "./pinctrl.ts";
import { PinctrlAttr, PinctrlMsg, Selector } from "../../../plugins/pinctrl/msg.ts";
import { DomainAttr as PowercapAttr, PowercapMsg } from "../../../plugins/powercap/msg.ts";
import {
  IntervalsFlags,
  SensorAttrHigh,
  SensorAttrLow,
  SensorMsg,
  SensorVersion,
} from "../../../plugins/sensor/msg.ts";
import { DomainFlag, PerfMsg, PowerUnit, RATE_LIMIT_MASK, V4 } from "../../../plugins/perf/msg.ts";
import {
  DomainAttr as VoltageAttr,
  LevelsFlag,
  VoltageConfig,
  VoltageMsg,
} from "../../../plugins/voltage/msg.ts";

const BASE = 0x10;

/** `vscmi discover --forward`. */
export const forwardDiscovery: DriverDiscovery = {
  flag: "forward",
  summary: "a board of the clocks, domains and sensors a downstream SCMI platform " +
    "(stream SOCKET or raw-mode RAWDIR) shows",
  async run(env: DiscoverEnv): Promise<string> {
    const source = env.source;
    if (source === undefined || source === "") {
      throw new Error("--forward needs the downstream: a stream socket or a raw-mode directory");
    }
    let isDir = false;
    try {
      isDir = (await Deno.stat(source)).isDirectory;
    } catch (e) {
      throw new Error(`Cannot read ${source}: ${e instanceof Error ? e.message : e}`);
    }
    const option = isDir ? "raw" : "socket";
    const { connect, what } = downstreamOf(
      isDir ? { kind: "raw", dir: source } : { kind: "socket", path: source },
      systemClock,
    );
    const link = new Link({ connect, clock: systemClock, timeoutMs: 1000, what, log: env.log });
    try {
      return await discoverBoard(link, option, source);
    } catch (e) {
      throw new Error(`Cannot discover ${what}: ${e instanceof Error ? e.message : e}`);
    } finally {
      link.close();
    }
  },
};

/** The board manifest of what the downstream on `link` shows, reached by `option = source`. */
export async function discoverBoard(link: Link, option: string, source: string): Promise<string> {
  const vendor = (await link.call(BASE, BaseMsg.DISCOVER_VENDOR)).name(16);
  const protos = await listProtocols(link);
  const out = [
    `# Board discovered by vscmi discover --forward from the SCMI platform at ${source}`,
    `# (vendor "${vendor}", protocols ${protos.map((p) => `0x${p.toString(16)}`).join(", ")}).`,
    "# Ids are the downstream's; names and state as it reported them.",
    "",
    "[board]",
    `name = ${str(`${vendor || "scmi"}-forward`)}`,
    "",
    "[[driver]]",
    'name = "downstream"',
    'type = "forward"',
    `options = { ${option} = ${str(source)} }`,
  ];
  if (protos.includes(CLOCK)) out.push(...await clocks(link));
  if (protos.includes(RESET)) out.push(...await resets(link));
  if (protos.includes(POWER)) out.push(...await powers(link));
  if (protos.includes(PERF)) out.push(...await perfs(link, out));
  if (protos.includes(VOLTAGE)) out.push(...await voltages(link));
  if (protos.includes(SENSOR)) out.push(...await sensors(link));
  if (protos.includes(POWERCAP)) out.push(...await powercaps(link));
  if (protos.includes(PINCTRL)) out.push(...await pins(link));
  return out.join("\n") + "\n";
}

/** The protocols the downstream serves this agent (BASE_DISCOVER_LIST_PROTOCOLS), ascending. */
export async function listProtocols(link: Link): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const p = await link.call(BASE, BaseMsg.DISCOVER_LIST_PROTOCOLS, [out.length]);
    const n = p.u32();
    if (n === 0) return out.sort((a, b) => a - b);
    const ids = p.take(n);
    out.push(...ids);
  }
}

/** How many resources the protocol's PROTOCOL_ATTRIBUTES reports (bits 15:0). */
async function countOf(link: Link, proto: number): Promise<number> {
  return (await link.call(proto, CommonMsg.PROTOCOL_ATTRIBUTES)).u32() & 0xffff;
}

/** The name in `p` (16 bytes), or the long one from `nameMsg` when `extended`. */
async function nameOf(
  link: Link,
  proto: number,
  p: Payload,
  extended: boolean,
  nameMsg: number,
  id: number,
): Promise<string> {
  const short = p.name(16);
  if (!extended) return short;
  const long = await link.call(proto, nameMsg, [id]);
  long.u32();
  return long.name(64);
}

async function clocks(link: Link): Promise<string[]> {
  const version = (await link.call(CLOCK, CommonMsg.PROTOCOL_VERSION)).u32();
  const n = await countOf(link, CLOCK);
  const names: string[] = [];
  const entries: string[][] = [];
  for (let id = 0; id < n; id++) {
    const p = await link.call(CLOCK, ClockMsg.CLOCK_ATTRIBUTES, [id]);
    const attrs = p.u32();
    names[id] = await nameOf(
      link,
      CLOCK,
      p,
      (attrs & ClockAttr.EXTENDED_NAME) !== 0,
      ClockMsg.CLOCK_NAME_GET,
      id,
    );
    const e = [""];
    if (version >= ClockVersion.V3 && (attrs & ClockAttr.RESTRICTED) !== 0) {
      const perms = (await link.call(CLOCK, ClockMsg.CLOCK_GET_PERMISSIONS, [id])).u32();
      const why = clockAccess(perms).why;
      if (why !== undefined) e.push(`# Restricted: ${why}.`);
    }
    e.push("[[clock]]", `id = ${id}`, `name = ${str(names[id])}`);
    e.push(...await rates(link, id));
    const r = await link.call(CLOCK, ClockMsg.CLOCK_RATE_GET, [id]);
    e.push(`rate = ${r.u32() + r.u32() * 0x1_0000_0000}`);
    e.push(`enabled = ${(attrs & ClockAttr.ENABLED) !== 0}`);
    if (version >= ClockVersion.V3 && (attrs & ClockAttr.PARENTS) !== 0) {
      const parents = await possibleParents(link, id);
      const now = (await link.call(CLOCK, ClockMsg.CLOCK_PARENT_GET, [id])).u32();
      e.push(`#parents ${parents.join(" ")}`, `#parent ${now}`);
    }
    entries.push(e);
  }
  // Parents by name, once every clock's name is known.
  return ["", "# ── Clocks"].concat(...entries.map((e) =>
    e.flatMap((line) => {
      if (line.startsWith("#parents ")) {
        const ids = line.slice(9).split(" ").map(Number);
        return [`parents = [${ids.map((i) => str(names[i] ?? `clock${i}`)).join(", ")}]`];
      }
      if (line.startsWith("#parent ")) return [`parent = ${str(names[Number(line.slice(8))])}`];
      return [line];
    })
  ));
}

async function rates(link: Link, id: number): Promise<string[]> {
  const list: number[] = [];
  for (;;) {
    const p = await link.call(CLOCK, ClockMsg.CLOCK_DESCRIBE_RATES, [id, list.length]);
    const flags = p.u32();
    const got = flags & RatesFlag.RETURNED_MAX;
    const rate = () => p.u32() + p.u32() * 0x1_0000_0000;
    if (flags & RatesFlag.RANGE) {
      const [min, max, step] = [rate(), rate(), rate()];
      return [`range = { min = ${min}, max = ${max}, step = ${step} }`];
    }
    for (let i = 0; i < got; i++) list.push(rate());
    if (flags >>> RatesFlag.REMAINING_SHIFT === 0 || got === 0) break;
  }
  return [`rates = [${list.join(", ")}]`];
}

async function possibleParents(link: Link, id: number): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const p = await link.call(CLOCK, ClockMsg.CLOCK_POSSIBLE_PARENTS_GET, [id, out.length]);
    const flags = p.u32();
    const got = flags & 0xff;
    for (let i = 0; i < got; i++) out.push(p.u32());
    if (flags >>> 24 === 0 || got === 0) return out;
  }
}

async function resets(link: Link): Promise<string[]> {
  const out = ["", "# ── Reset domains"];
  const n = await countOf(link, RESET);
  for (let id = 0; id < n; id++) {
    const p = await link.call(RESET, ResetMsg.RESET_DOMAIN_ATTRIBUTES, [id]);
    const attrs = p.u32();
    const latency = p.u32();
    const name = await nameOf(
      link,
      RESET,
      p,
      (attrs & ResetAttr.EXTENDED_NAME) !== 0,
      ResetMsg.RESET_DOMAIN_NAME_GET,
      id,
    );
    out.push("", "[[reset]]", `id = ${id}`, `name = ${str(name)}`);
    if (latency !== 0x7fffffff) out.push(`latency_us = ${latency}`);
    if (attrs & ResetAttr.ASYNC) out.push("async = true");
  }
  return out;
}

async function powers(link: Link): Promise<string[]> {
  const out = ["", "# ── Power domains"];
  const n = await countOf(link, POWER);
  for (let id = 0; id < n; id++) {
    const p = await link.call(POWER, PowerMsg.POWER_DOMAIN_ATTRIBUTES, [id]);
    const attrs = p.u32();
    const name = await nameOf(
      link,
      POWER,
      p,
      (attrs & PowerDomainAttr.EXTENDED_NAME) !== 0,
      PowerMsg.POWER_DOMAIN_NAME_GET,
      id,
    );
    const state = (await link.call(POWER, PowerMsg.POWER_STATE_GET, [id])).u32();
    out.push("", "[[power]]", `id = ${id}`, `name = ${str(name)}`);
    out.push(`on = ${state === PowerState.ON}`);
    if (attrs & PowerDomainAttr.ASYNC_SET) out.push("async = true");
  }
  return out;
}

async function perfs(link: Link, head: string[]): Promise<string[]> {
  const version = (await link.call(PERF, CommonMsg.PROTOCOL_VERSION)).u32();
  const attrs = (await link.call(PERF, CommonMsg.PROTOCOL_ATTRIBUTES)).u32();
  const n = attrs & 0xffff;
  const unit = attrs >>> 16 & PowerUnit.MICROWATT
    ? "uW"
    : attrs >>> 16 & PowerUnit.MILLIWATT
    ? "mW"
    : "abstract";
  // The power unit is the board's: after its name in [board].
  head.splice(head.indexOf("[board]") + 2, 0, `perf_power_unit = "${unit}"`);
  const out = ["", "# ── Performance domains"];
  for (let id = 0; id < n; id++) {
    const p = await link.call(PERF, PerfMsg.DOMAIN_ATTRIBUTES, [id]);
    const flags = p.u32();
    const rateLimit = p.u32() & RATE_LIMIT_MASK;
    const sustainedKhz = p.u32();
    const sustained = p.u32();
    const name = await nameOf(
      link,
      PERF,
      p,
      (flags & DomainFlag.EXTENDED_NAME) !== 0,
      PerfMsg.DOMAIN_NAME_GET,
      id,
    );
    const levels: string[] = [];
    for (;;) {
      const d = await link.call(PERF, PerfMsg.DESCRIBE_LEVELS, [id, levels.length]);
      const head = d.u32();
      const got = head & 0xffff;
      for (let i = 0; i < got; i++) {
        const level = d.u32();
        const power = d.u32();
        const latency = d.u32() & 0xffff;
        // Before 4.0 the frequency follows from the sustained point.
        const khz = version >= V4 ? d.u32() : Math.round(level * sustainedKhz / sustained);
        if (version >= V4) d.u32();
        levels.push(
          `  { level = ${level}, freq = ${
            khz * 1000
          }, power = ${power}, latency_us = ${latency} },`,
        );
      }
      if (head >>> 16 === 0 || got === 0) break;
    }
    const now = (await link.call(PERF, PerfMsg.LEVEL_GET, [id])).u32();
    out.push("", "[[perf]]", `id = ${id}`, `name = ${str(name)}`, "levels = [", ...levels, "]");
    out.push(`sustained_level = ${sustained}`, `level = ${now}`);
    if (rateLimit !== 0) out.push(`rate_limit_us = ${rateLimit}`);
  }
  return out;
}

async function voltages(link: Link): Promise<string[]> {
  const out = ["", "# ── Voltage domains"];
  const n = await countOf(link, VOLTAGE);
  for (let id = 0; id < n; id++) {
    const p = await link.call(VOLTAGE, VoltageMsg.VOLTAGE_DOMAIN_ATTRIBUTES, [id]);
    const attrs = p.u32();
    const name = await nameOf(
      link,
      VOLTAGE,
      p,
      (attrs & VoltageAttr.EXTENDED_NAME) !== 0,
      VoltageMsg.VOLTAGE_DOMAIN_NAME_GET,
      id,
    );
    const list: number[] = [];
    let segment = "";
    for (;;) {
      const d = await link.call(VOLTAGE, VoltageMsg.VOLTAGE_DESCRIBE_LEVELS, [id, list.length]);
      const flags = d.u32();
      const got = flags & LevelsFlag.RETURNED_MAX;
      if (flags & LevelsFlag.SEGMENT) {
        segment = `segment = { min = ${d.i32()}, max = ${d.i32()}, step = ${d.i32()} }`;
        break;
      }
      for (let i = 0; i < got; i++) list.push(d.i32());
      if (flags >>> LevelsFlag.REMAINING_SHIFT === 0 || got === 0) break;
    }
    const level = (await link.call(VOLTAGE, VoltageMsg.VOLTAGE_LEVEL_GET, [id])).i32();
    const config = (await link.call(VOLTAGE, VoltageMsg.VOLTAGE_CONFIG_GET, [id])).u32();
    out.push("", "[[voltage]]", `id = ${id}`, `name = ${str(name)}`);
    out.push(segment || `levels = [${list.join(", ")}]`, `level = ${level}`);
    out.push(`on = ${(config & VoltageConfig.MODE_MASK) !== VoltageConfig.OFF}`);
    if (attrs & VoltageAttr.ASYNC_LEVEL_SET) out.push("async = true");
  }
  return out;
}

async function sensors(link: Link): Promise<string[]> {
  const version = (await link.call(SENSOR, CommonMsg.PROTOCOL_VERSION)).u32();
  const out = ["", "# ── Sensors"];
  let index = 0;
  for (;;) {
    const p = await link.call(SENSOR, SensorMsg.SENSOR_DESCRIPTION_GET, [index]);
    const flags = p.u32();
    const got = flags & 0xfff;
    for (let i = 0; i < got; i++) out.push(...await sensorEntry(link, version, p));
    index += got;
    if (flags >>> 16 === 0 || got === 0) return out;
  }
}

/** One descriptor of a SENSOR_DESCRIPTION_GET reply as a `[[sensor]]` table. */
async function sensorEntry(link: Link, version: number, p: Payload): Promise<string[]> {
  const id = p.u32();
  const low = p.u32();
  const high = p.u32();
  const name = await nameOf(
    link,
    SENSOR,
    p,
    version >= SensorVersion.V3 && (low & SensorAttrLow.EXTENDED_NAME) !== 0,
    SensorMsg.SENSOR_NAME_GET,
    id,
  );
  const v2 = version >= SensorVersion.V2;
  const multi = v2 && (high & SensorAttrHigh.AXIS_SUPPORT) !== 0;
  const axes = multi ? (high >>> SensorAttrHigh.AXES_SHIFT) & 0x3f : 1;
  const e = ["", "[[sensor]]", `id = ${id}`, `name = ${str(name)}`];
  e.push(`type = ${high & SensorAttrHigh.TYPE_MASK}`);
  const scale = signed5(high >>> SensorAttrHigh.SCALE_SHIFT);
  if (scale !== 0) e.push(`scale = ${scale}`);
  if (axes > 1) e.push(`axes = ${axes}`);
  if (low & SensorAttrLow.ASYNC) e.push("async = true");
  const trips = low & SensorAttrLow.TRIP_POINTS_MASK;
  if (trips !== 0) e.push(`trip_points = ${trips}`);
  if (v2 && (low & SensorAttrLow.CONTINUOUS_UPDATE)) e.push("continuous_update = true");
  if (v2 && (low & SensorAttrLow.TIMESTAMP)) {
    e.push("timestamps = true");
    e.push(`timestamp_exp = ${signed5(low >>> SensorAttrLow.TIMESTAMP_EXP_SHIFT)}`);
  }
  if (v2 && (low & SensorAttrLow.EXTENDED_ATTRS)) {
    e.push(`power = ${p.u32()}`);
    if (!multi) {
      const res = p.u32();
      e.push(`resolution = ${res & 0x7ff_ffff}`, `resolution_exp = ${signed5(res >>> 27)}`);
      const [min, max] = [nextS64(p), nextS64(p)];
      // The most negative and most positive s64 (bigints here) say "no bound".
      if (typeof min === "number") e.push(`min = ${min}`);
      if (typeof max === "number") e.push(`max = ${max}`);
    }
  }
  if (v2) e.push(...await intervals(link, id));
  return e;
}

/** SENSOR_LIST_UPDATE_INTERVALS as `intervals_us` or `interval_segment`, µs. */
async function intervals(link: Link, id: number): Promise<string[]> {
  const list: number[] = [];
  const us = (w: number) => Math.round((w >>> 5 & 0xffff) * 10 ** (signed5(w) + 6));
  for (;;) {
    const p = await link.call(SENSOR, SensorMsg.SENSOR_LIST_UPDATE_INTERVALS, [id, list.length]);
    const flags = p.u32();
    const got = flags & IntervalsFlags.RETURNED_MASK;
    if (flags & IntervalsFlags.SEGMENT) {
      const [min, max, step] = [us(p.u32()), us(p.u32()), us(p.u32())];
      return [`interval_segment = { min = ${min}, max = ${max}, step = ${step} }`];
    }
    for (let i = 0; i < got; i++) list.push(us(p.u32()));
    if (flags >>> IntervalsFlags.REMAINING_SHIFT === 0 || got === 0) break;
  }
  return list.length ? [`intervals_us = [${list.join(", ")}]`] : [];
}

async function powercaps(link: Link): Promise<string[]> {
  const n = await countOf(link, POWERCAP);
  const names: string[] = [];
  const entries: { lines: string[]; parent: number }[] = [];
  for (let id = 0; id < n; id++) {
    const p = await link.call(POWERCAP, PowercapMsg.POWERCAP_DOMAIN_ATTRIBUTES, [id]);
    const attrs = p.u32();
    names[id] = await nameOf(
      link,
      POWERCAP,
      p,
      (attrs & PowercapAttr.EXTENDED_NAME) !== 0,
      PowercapMsg.POWERCAP_DOMAIN_NAME_GET,
      id,
    );
    const k = microwattsPer(attrs);
    const [minPai, maxPai, paiStep, minCap, maxCap, capStep] = [1, 2, 3, 4, 5, 6].map(() =>
      p.u32()
    );
    p.u32(); // Sustainable power.
    p.u32(); // Accuracy.
    const parent = p.u32();
    const cap = (await link.call(POWERCAP, PowercapMsg.POWERCAP_CAP_GET, [id])).u32();
    const pai = (await link.call(POWERCAP, PowercapMsg.POWERCAP_PAI_GET, [id])).u32();
    entries.push({
      parent,
      lines: [
        "",
        "[[powercap]]",
        `id = ${id}`,
        `name = ${str(names[id])}`,
        `min_cap = ${minCap * k}`,
        `max_cap = ${maxCap * k}`,
        `cap_step = ${Math.max(capStep, 1) * k}`,
        `cap = ${cap * k}`,
        `min_pai = ${minPai}`,
        `max_pai = ${maxPai}`,
        `pai_step = ${Math.max(paiStep, 1)}`,
        `pai = ${pai}`,
      ],
    });
  }
  // Parents by name, once every domain's name is known.
  return ["", "# ── Power-capping domains (µW)"].concat(
    ...entries.map((e) =>
      names[e.parent] === undefined ? e.lines : [...e.lines, `parent = ${str(names[e.parent])}`]
    ),
  );
}

/** Pins, groups with their pins, functions with their groups (pin-only functions left out). */
async function pins(link: Link): Promise<string[]> {
  const p = await link.call(PINCTRL, CommonMsg.PROTOCOL_ATTRIBUTES);
  const low = p.u32();
  const counts = [low & 0xffff, low >>> 16, p.u32() & 0xffff]; // pins, groups, functions
  const names: string[][] = [[], [], []];
  const attrs: number[][] = [[], [], []];
  for (const sel of [Selector.PIN, Selector.GROUP, Selector.FUNCTION]) {
    for (let id = 0; id < counts[sel]; id++) {
      const a = await link.call(PINCTRL, PinctrlMsg.PINCTRL_ATTRIBUTES, [id, sel]);
      attrs[sel][id] = a.u32();
      if (attrs[sel][id] & PinctrlAttr.EXTENDED_NAME) {
        const long = await link.call(PINCTRL, PinctrlMsg.PINCTRL_NAME_GET, [id, sel]);
        long.u32();
        names[sel][id] = long.name(64);
      } else names[sel][id] = a.name(16);
    }
  }
  const members = async (id: number, sel: number) => {
    const out: number[] = [];
    for (;;) {
      const r = await link.call(PINCTRL, PinctrlMsg.PINCTRL_LIST_ASSOCIATIONS, [
        id,
        sel,
        out.length,
      ]);
      const flags = r.u32();
      const got = flags & 0xfff;
      // u16 ids, padded to a 4-byte boundary.
      for (let i = 0; i < got; i++) out.push(r.u8() | r.u8() << 8);
      if (flags >>> 16 === 0 || got === 0) return out;
    }
  };
  const list = (sel: number, ids: number[]) => ids.map((i) => str(names[sel][i])).join(", ");
  const out = ["", "# ── Pins, pin groups and pin functions"];
  for (let id = 0; id < counts[Selector.PIN]; id++) {
    out.push("", "[[pin]]", `id = ${id}`, `name = ${str(names[Selector.PIN][id])}`);
  }
  for (let id = 0; id < counts[Selector.GROUP]; id++) {
    const ids = await members(id, Selector.GROUP);
    out.push("", "[[group]]", `id = ${id}`, `name = ${str(names[Selector.GROUP][id])}`);
    out.push(`pins = [${list(Selector.PIN, ids)}]`);
  }
  for (let id = 0; id < counts[Selector.FUNCTION]; id++) {
    const name = str(names[Selector.FUNCTION][id]);
    if (attrs[Selector.FUNCTION][id] & PinctrlAttr.PIN_ONLY_FUNCTION) {
      out.push(
        "",
        `# Function ${id} (${name}) applies to single pins, which a board cannot declare.`,
      );
      continue;
    }
    const ids = await members(id, Selector.FUNCTION);
    out.push("", "[[function]]", `id = ${id}`, `name = ${name}`);
    out.push(`groups = [${list(Selector.GROUP, ids)}]`);
  }
  return out;
}

/** A TOML basic string. */
function str(s: string): string {
  return JSON.stringify(s);
}
