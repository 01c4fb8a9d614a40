/**
 * SCMI protocol ids and the short names `vscmi` uses for them (DEN0056 §4.1.3 and later
 * revisions), for listing and for arguments that name a protocol.
 * @module
 */
import { parseU32, UsageError } from "../args.ts";

export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0x10: "base",
  0x11: "power",
  0x12: "system",
  0x13: "perf",
  0x14: "clock",
  0x15: "sensor",
  0x16: "reset",
  0x17: "voltage",
  0x18: "powercap",
  0x19: "pinctrl",
};

/** A protocol's short name, or its hex id for one SCMI does not name (vendor protocols). */
export function protocolName(id: number): string {
  return PROTOCOL_NAMES[id] ?? `0x${id.toString(16)}`;
}

/** A protocol given by name (`clock`) or by number (`0x14`, `20`). */
export function parseProtocol(text: string): number {
  for (const [id, name] of Object.entries(PROTOCOL_NAMES)) if (name === text) return Number(id);
  const v = parseU32(text, "Protocol");
  if (v < 0x10 || v > 0xff) throw new UsageError(`Protocol id must be 0x10–0xff, got "${text}"`);
  return v;
}
