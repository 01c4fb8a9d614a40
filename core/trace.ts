/**
 * Message tracing: one line per message, in both directions, decoded with the parameter
 * layouts the protocol plugins declare (`CommandDef.a2p`, `EventDef.p2a`).
 *
 * Text:
 * ```
 * vm1 → CLOCK_RATE_SET flags=0 clock=3 rate=100000000 ← SUCCESS 12µs
 * vm1 ⇐ CLOCK_RATE_CHANGED agent=1 clock=3 rate=100000000
 * ```
 * JSON lines (`format: "json"`): `{"agent","protocol","message","token","params":{…},
 * "status","us"}` for commands; platform→agent messages carry `"type"` instead of `"us"`.
 *
 * Install with `platform.tracer = createTracer(platform)`. Transports report what they send
 * to agents through {@linkcode traceP2a}. Only runs when tracing is on, so it may allocate.
 * @module
 */
import { headerMessageId, headerProtocol, headerToken, headerType, MsgType } from "./header.ts";
import type { Msg } from "./msg.ts";
import type { Platform, Tracer } from "./platform.ts";
import type { CommandDef } from "./protocol.ts";
import type { Session } from "./session.ts";
import { statusName } from "./status.ts";

/** `text` lines for people, `json` lines for tools. */
export type TraceFormat = "text" | "json";

export interface TraceOptions {
  /** Default `text`. */
  format?: TraceFormat;
  /** Where each line goes (default: standard output). */
  write?: (line: string) => void;
}

/** A tracer that also reports platform→agent messages (what {@linkcode traceP2a} calls). */
export interface TraceFn extends Tracer {
  p2a?: (session: Session, message: Uint8Array) => void;
}

/** One field of a parameter layout: name, type and byte offset. */
export interface LayoutField {
  name: string;
  type: "u32" | "i32" | "u64";
  off: number;
}

const SIZES = { u32: 4, i32: 4, u64: 8 } as const;
const layouts = new Map<string, LayoutField[] | null>();

/**
 * Parses a layout string such as `"clock flags rate:u64"`: space-separated names, each a u32
 * unless it says `:u64` or `:i32`. Returns null for a layout it cannot read.
 */
export function parseLayout(layout: string): LayoutField[] | null {
  const cached = layouts.get(layout);
  if (cached !== undefined) return cached;
  const fields: LayoutField[] = [];
  let off = 0;
  let ok = true;
  for (const part of layout.trim().split(/\s+/)) {
    if (part === "") continue;
    const [name, type = "u32", extra] = part.split(":");
    if (extra !== undefined || !/^[A-Za-z_][\w.]*$/.test(name) || !(type in SIZES)) {
      ok = false;
      break;
    }
    const t = type as LayoutField["type"];
    fields.push({ name, type: t, off });
    off += SIZES[t];
  }
  const out = ok ? fields : null;
  layouts.set(layout, out);
  return out;
}

/** Reads little-endian words from `bytes` at `off`; absent when out of range. */
function readField(dv: DataView, base: number, len: number, f: LayoutField): number | undefined {
  const size = SIZES[f.type];
  if (f.off + size > len) return undefined;
  const at = base + f.off;
  switch (f.type) {
    case "u32":
      return dv.getUint32(at, true);
    case "i32":
      return dv.getInt32(at, true);
    case "u64":
      return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 0x1_0000_0000;
  }
}

/**
 * Decodes `len` parameter bytes at `base` of `dv` with `layout`: named values, or, without a
 * usable layout, `raw` (the little-endian u32 words; a short tail is zero-padded). Bytes the
 * layout does not cover are given as `rest`.
 */
export function decodeParams(
  dv: DataView,
  base: number,
  len: number,
  layout: string | undefined,
): Record<string, number | number[]> {
  const out: Record<string, number | number[]> = {};
  const fields = layout === undefined ? null : parseLayout(layout);
  let covered = 0;
  if (fields !== null) {
    for (const f of fields) {
      const v = readField(dv, base, len, f);
      if (v === undefined) break;
      out[f.name] = v;
      covered = f.off + SIZES[f.type];
    }
  }
  if (covered < len) {
    out[fields === null ? "raw" : "rest"] = words(dv, base + covered, len - covered);
  }
  return out;
}

function words(dv: DataView, at: number, len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < len; i += 4) {
    let v = 0;
    for (let b = 0; b < 4 && i + b < len; b++) v |= dv.getUint8(at + i + b) << (8 * b);
    out.push(v >>> 0);
  }
  return out;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

function paramsText(params: Record<string, number | number[]>): string {
  let s = "";
  for (const [k, v] of Object.entries(params)) {
    s += Array.isArray(v) ? ` ${k}=[${v.map(hex).join(" ")}]` : ` ${k}=${v}`;
  }
  return s;
}

/** Common commands every protocol shares get the protocol name in front. */
const COMMON_IDS = new Set([0x0, 0x1, 0x2, 0x10]);

function protocolName(platform: Platform, id: number): string {
  return platform.protocols[id]?.def.name ?? `0x${id.toString(16)}`;
}

/** Creates a tracer for `platform.tracer`; also traces platform→agent messages. */
export function createTracer(platform: Platform, opts: TraceOptions = {}): TraceFn {
  const json = opts.format === "json";
  const write = opts.write ?? ((line: string) => console.log(line));

  const tracer: TraceFn = (
    session: Session,
    m: Msg,
    cmd: CommandDef | undefined,
    status: number,
  ) => {
    const h = m.header;
    const pid = headerProtocol(h);
    const mid = headerMessageId(h);
    const proto = protocolName(platform, pid);
    const message = cmd?.name ?? `0x${mid.toString(16)}`;
    const params = paramsOf(m, cmd?.a2p);
    const us = m.t0 > 0 ? Math.round((performance.now() - m.t0) * 1000) : undefined;
    if (json) {
      write(JSON.stringify({
        agent: session.agent.name,
        protocol: proto,
        message,
        token: headerToken(h),
        params,
        status: statusName(status),
        us,
      }));
      return;
    }
    const name = cmd === undefined || COMMON_IDS.has(mid) ? `${proto}.${message}` : message;
    const type = headerType(h) === MsgType.COMMAND ? "" : ` type=${headerType(h)}`;
    write(
      `${session.agent.name} → ${name}${type}${paramsText(params)} ← ${statusName(status)}${
        us === undefined ? "" : ` ${us}µs`
      }`,
    );
  };

  tracer.p2a = (session: Session, message: Uint8Array) => {
    if (message.length < 4) return;
    const dv = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const h = dv.getUint32(0, true);
    const pid = headerProtocol(h);
    const mid = headerMessageId(h);
    const rt = platform.protocols[pid];
    const proto = protocolName(platform, pid);
    const delayed = headerType(h) === MsgType.DELAYED_RESPONSE;
    const ev = rt?.def.events?.[mid];
    const message_ = ev?.name ?? (delayed ? rt?.table[mid]?.name : undefined) ??
      `0x${mid.toString(16)}`;
    const status = delayed && message.length >= 8 ? dv.getInt32(4, true) : undefined;
    const base = delayed ? 8 : 4;
    const params = decodeParams(dv, base, Math.max(0, message.length - base), ev?.p2a);
    const type = delayed ? "delayed" : "notification";
    if (json) {
      write(JSON.stringify({
        agent: session.agent.name,
        protocol: proto,
        message: message_,
        token: headerToken(h),
        type,
        params,
        status: status === undefined ? undefined : statusName(status),
      }));
      return;
    }
    const what = delayed ? ` (delayed #${headerToken(h)})` : "";
    write(
      `${session.agent.name} ⇐ ${message_}${what}${paramsText(params)}${
        status === undefined ? "" : ` ← ${statusName(status)}`
      }`,
    );
  };
  return tracer;
}

function paramsOf(m: Msg, layout: string | undefined): Record<string, number | number[]> {
  const r = m.r;
  const len = r.length;
  if (len === 0) return {};
  // The reader is narrowed to the parameters; peek whole words without moving its cursor.
  const whole = len & ~3;
  const bytes = new Uint8Array(whole);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < whole; i += 4) dv.setUint32(i, r.peekU32(i), true);
  const out = decodeParams(dv, 0, whole, layout);
  // SCMI parameters are whole words; a ragged message shows its real length.
  if (whole !== len) out._len = len;
  return out;
}

/**
 * Reports a platform→agent message (notification or delayed response) that a transport is
 * about to send, when the platform's tracer can trace them. Cheap when tracing is off.
 */
export function traceP2a(platform: Platform, session: Session, message: Uint8Array): void {
  const t = platform.tracer as TraceFn | null;
  if (t !== null && t.p2a !== undefined) t.p2a(session, message);
}
