/**
 * Test helpers for the Pin control plugin's suites: send one pin control command as an
 * agent and read the reply.
 * @module
 */
import { encodeHeader, MsgType } from "../../core/header.ts";
import type { Fixture } from "../../tests/harness.ts";
import { PINCTRL_PROTOCOL } from "./msg.ts";

/** Reply buffer size: room for header + status + the largest message size tested (4096). */
const REPLY_BUFFER = 8 + 4096;

/** A decoded reply: status, payload words after it, and the raw bytes. */
export interface Reply {
  status: number;
  /** Payload after the status, as u32 words. */
  words: number[];
  bytes: Uint8Array;
}

/** Sends pin control command `msg` with u32 `params` as `agent`; resolves to the reply. */
export async function cmd(
  fx: Fixture,
  agent: string,
  msg: number,
  params: number[],
): Promise<Reply> {
  const header = encodeHeader(msg, MsgType.COMMAND, PINCTRL_PROTOCOL, 0);
  const req = new Uint8Array(4 + params.length * 4);
  const dv = new DataView(req.buffer);
  dv.setUint32(0, header, true);
  params.forEach((p, i) => dv.setUint32(4 + i * 4, p >>> 0, true));
  const bytes = await fx.call(agent, req, REPLY_BUFFER);
  const rdv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (rdv.getUint32(0, true) !== header) throw new Error("Reply header differs from the request's");
  const words: number[] = [];
  for (let i = 8; i + 4 <= bytes.length; i += 4) words.push(rdv.getUint32(i, true));
  return { status: rdv.getInt32(4, true), words, bytes };
}

/** The u16 ids of a PINCTRL_LIST_ASSOCIATIONS reply. */
export function u16s(r: Reply, count: number): number[] {
  const dv = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
  return Array.from({ length: count }, (_, i) => dv.getUint16(12 + 2 * i, true));
}
