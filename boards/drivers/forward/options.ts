/**
 * The forward driver's options: where the downstream platform is (`socket` or `raw`, one of
 * them) and how long a request waits for its reply (`timeout_ms`).
 * @module
 */
import { OptionError } from "../../../core/options.ts";

/** The downstream's options, checked. */
export interface ForwardOptions {
  /** The downstream's channel. */
  downstream: { kind: "socket"; path: string } | { kind: "raw"; dir: string };
  /** How long a request waits for its reply, ms (default 1000). */
  timeoutMs: number;
}

/** Option name → help, as the driver declares them. */
export const FORWARD_OPTIONS = {
  socket: "Unix stream socket of the downstream platform (another vscmi's agent socket); " +
    "a path relative to the board manifest, or under {run_dir}",
  raw: "Linux SCMI raw-mode directory of the downstream (/sys/kernel/debug/scmi/0/raw): a test " +
    "interface, see the README",
  timeout_ms: "How long a downstream request waits for its reply before the guest gets " +
    "COMMS_ERROR, ms (1–60000, default 1000)",
} as const;

/** Checks an instance's options: throws OptionError naming the option. */
export function forwardOptions(options: Readonly<Record<string, unknown>>): ForwardOptions {
  const { socket, raw } = options;
  if (socket === undefined && raw === undefined) {
    throw new OptionError("socket", "the downstream: `socket` or `raw`", undefined);
  }
  if (socket !== undefined && raw !== undefined) {
    throw new OptionError("raw", "no `raw` beside `socket` (one downstream)", raw);
  }
  for (const [k, v] of [["socket", socket], ["raw", raw]] as const) {
    if (v !== undefined && (typeof v !== "string" || v === "")) {
      throw new OptionError(k, "a path", v);
    }
  }
  const t = options.timeout_ms ?? 1000;
  if (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 60000) {
    throw new OptionError("timeout_ms", "an integer from 1 to 60000", t);
  }
  return {
    downstream: socket !== undefined
      ? { kind: "socket", path: socket as string }
      : { kind: "raw", dir: raw as string },
    timeoutMs: t,
  };
}
