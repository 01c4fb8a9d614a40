/**
 * Test helpers for the clock plugin's suites: send one clock command as an agent and read
 * the reply, and decode the platform→agent messages an agent received.
 * @module
 */
import { decodeHeader, encodeHeader, MsgType } from "../../core/header.ts";
import type { Fixture } from "../../tests/harness.ts";
import { until } from "../../core/_wait_test.ts";

/** Clock protocol id. */
export const CLOCK = 0x14;

/** Reply buffer size: room for header + status + the largest message size tested (4096). */
const REPLY_BUFFER = 8 + 4096;

/** A decoded reply: status, payload words after it, and the raw bytes. */
export interface Reply {
  status: number;
  /** Payload after the status, as u32 words. */
  words: number[];
  bytes: Uint8Array;
}

function u32s(b: Uint8Array, from: number): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = from; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

/** Sends clock command `msg` with u32 `params` as `agent`; resolves to the decoded reply. */
export async function cmd(
  fx: Fixture,
  agent: string,
  msg: number,
  params: number[],
  token = 0,
): Promise<Reply> {
  const req = new Uint8Array(4 + params.length * 4);
  const dv = new DataView(req.buffer);
  dv.setUint32(0, encodeHeader(msg, MsgType.COMMAND, CLOCK, token), true);
  params.forEach((p, i) => dv.setUint32(4 + i * 4, p >>> 0, true));
  const bytes = await fx.call(agent, req, REPLY_BUFFER);
  const rdv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (rdv.getUint32(0, true) !== encodeHeader(msg, MsgType.COMMAND, CLOCK, token)) {
    throw new Error("Reply header differs from the request's");
  }
  return { status: rdv.getInt32(4, true), words: u32s(bytes, 8), bytes };
}

/** One platform→agent message, decoded. */
export interface P2a {
  type: number;
  id: number;
  token: number;
  /** Payload words (a delayed response's first word is its status). */
  words: number[];
}

/** Takes and decodes every queued platform→agent message of `agent`. */
export function drain(fx: Fixture, agent: string): P2a[] {
  return fx.drain(agent).map((b) => {
    const h = decodeHeader(new DataView(b.buffer, b.byteOffset).getUint32(0, true));
    if (h.protocolId !== CLOCK) throw new Error(`P2A message of protocol ${h.protocolId}`);
    return { type: h.type, id: h.messageId, token: h.token, words: u32s(b, 4) };
  });
}

/** Splits a u64 into its [low, high] words. */
export function u64(v: number): [number, number] {
  return [v >>> 0, Math.floor(v / 0x1_0000_0000) >>> 0];
}

/**
 * Waits until `agent` has at least `count` platform→agent messages queued, then takes and
 * decodes them all.
 */
export async function settle(fx: Fixture, agent: string, count: number): Promise<P2a[]> {
  const q = fx.session(agent).p2a!;
  await until(() => q.length >= count, `${count} message(s) to ${agent}`);
  return drain(fx, agent);
}
