/** Opening the channel the options name: a stream socket or a raw-mode directory. @module */
import { hwPath } from "../../../core/hw_root.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import type { Connect } from "./link.ts";
import type { ForwardOptions } from "./options.ts";
import { openRaw, rawFiles } from "./raw.ts";
import { connectStream } from "./stream.ts";

/** How long the raw channel waits before reading `notification` again after nothing, ms. */
const RAW_PAUSE_MS = 100;

/**
 * The channel opener and description of a downstream; a raw-mode directory is a hardware
 * path, under `hwRoot`.
 */
export function downstreamOf(
  o: ForwardOptions["downstream"],
  clock: TimerClock,
  hwRoot = "/",
): { connect: Connect; what: string } {
  if (o.kind === "socket") {
    return { connect: (ev) => connectStream(o.path, ev), what: `unix:${o.path}` };
  }
  const files = rawFiles(hwPath(hwRoot, o.dir));
  const pause = () => new Promise<void>((r) => clock.setTimer(r, RAW_PAUSE_MS));
  return { connect: (ev) => Promise.resolve(openRaw(files, ev, pause)), what: `raw:${o.dir}` };
}
