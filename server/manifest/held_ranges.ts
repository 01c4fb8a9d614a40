/**
 * Address ranges endpoints hold alone ({@linkcode HeldRange}): no two agents' ranges in one
 * space overlap. The transport names the space and the range; this knows no transport.
 * @module
 */
import { optionKeyPath } from "../../core/options.ts";
import type { Source } from "../../core/manifest/toml.ts";
import type { HeldRange } from "../../core/transport.ts";

/** One agent's held range, as the loader collects them. */
export interface AgentRange {
  /** The agent's index in `[[agent]]`. */
  readonly agent: number;
  /** Its name. */
  readonly name: string;
  readonly range: HeldRange;
}

/** `start+size` in hex, as the message shows a range. */
function span(r: HeldRange): string {
  return `0x${r.start.toString(16)}+0x${r.size.toString(16)}`;
}

/**
 * Reports, at the option that placed it, every range that overlaps a range an earlier agent
 * holds in the same space.
 */
export function checkHeldRanges(src: Source, ranges: readonly AgentRange[]): void {
  const spaces = new Map<string, AgentRange[]>();
  for (const held of ranges) {
    const { range } = held;
    const taken = spaces.get(range.space) ?? [];
    const other = taken.find(({ range: t }) =>
      range.start < t.start + t.size && t.start < range.start + range.size
    );
    if (other !== undefined) {
      src.report(
        ["agent", held.agent, "transport", ...optionKeyPath(range.option)],
        `Expected ${range.what} that overlaps no other endpoint's in ${range.space}, got ${
          span(range)
        }, where agent[${other.agent}] ("${other.name}") holds ${span(other.range)}`,
      );
      continue;
    }
    taken.push(held);
    spaces.set(range.space, taken);
  }
}
