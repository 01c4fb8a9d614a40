/** Opening the channel the options name: a stream socket or a raw-mode directory. @module */
import type { Connect } from "./link.ts";
import type { ForwardOptions } from "./options.ts";
import { openRaw, rawFiles } from "./raw.ts";
import { connectStream } from "./stream.ts";

/** The channel opener and description of a downstream. */
export function downstreamOf(o: ForwardOptions["downstream"]): { connect: Connect; what: string } {
  if (o.kind === "socket") {
    return { connect: (ev) => connectStream(o.path, ev), what: `unix:${o.path}` };
  }
  const files = rawFiles(o.dir);
  return { connect: (ev) => Promise.resolve(openRaw(files, ev)), what: `raw:${o.dir}` };
}
