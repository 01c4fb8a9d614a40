/**
 * The check every protocol's property test makes of one generated message: the reply echoes
 * the header, carries a status SCMI defines, is whole words, exactly header + status on
 * error, and no longer than the agent's message size allows.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../core/header.ts";
import { Status } from "../core/status.ts";
import type { Fixture } from "./harness.ts";

const STATUSES = new Set<number>(Object.values(Status));

/** One generated command: message id, token, parameter words, bytes cut off its end. */
export interface FuzzMessage {
  id: number;
  token: number;
  params: readonly number[];
  /** Bytes dropped from the end of the parameters (when there are any): 0–3. */
  cut: number;
}

/**
 * Sends `m` to protocol `proto` as `agent` and asserts the reply is well formed, at most
 * 8 + `maxMsgSize` bytes. Resolves to the reply's status.
 */
export async function callWellFormed(
  fx: Fixture,
  agent: string,
  proto: number,
  m: FuzzMessage,
  maxMsgSize: number,
): Promise<number> {
  const h = encodeHeader(m.id, MsgType.COMMAND, proto, m.token);
  const req = new Uint8Array(4 + m.params.length * 4);
  const dv = new DataView(req.buffer);
  dv.setUint32(0, h, true);
  m.params.forEach((p, i) => dv.setUint32(4 + i * 4, p >>> 0, true));
  const sent = m.params.length > 0 ? req.subarray(0, req.length - m.cut) : req;
  const reply = await fx.call(agent, sent);
  const rdv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  assert(reply.length >= 8 && reply.length % 4 === 0, `reply of ${reply.length} bytes`);
  assertEquals(rdv.getUint32(0, true), h);
  const status = rdv.getInt32(4, true);
  assert(STATUSES.has(status), `unknown status ${status}`);
  if (status !== Status.SUCCESS) assertEquals(reply.length, 8);
  assert(reply.length <= 8 + maxMsgSize);
  return status;
}
