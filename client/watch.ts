/**
 * The `watch` subcommands of `vscmi call`: which resources to watch, and the
 * subscribe–print–unsubscribe loop every protocol module runs.
 * @module
 */
import { CommandError } from "./args.ts";
import { type Event, subscribed, watchEvents, watchSummary } from "./p2a.ts";
import type { CallContext, CallResult } from "./types.ts";

/** How a protocol module finds and describes its resources for {@linkcode watchTargets}. */
export interface WatchWalk<T> {
  /** How many resources the platform reports to this agent. */
  count(): Promise<number>;
  /** What the platform says about resource `id`. */
  info(id: number): Promise<T>;
  /** A resource argument (id or name) as an id. */
  resolve(text: string): Promise<number>;
  /** Whether the resource offers the notifications watched (when none is named). */
  offers(info: T): boolean;
  /** The error when no resource offers them, e.g. "No clock offers rate notifications here". */
  none: string;
}

/**
 * The resources a `watch` command covers, by id: those `which` names, or, when it names none,
 * every resource that offers the notifications (CommandError when none does).
 */
export async function watchTargets<T>(
  which: readonly string[],
  walk: WatchWalk<T>,
): Promise<Map<number, T>> {
  const out = new Map<number, T>();
  if (which.length === 0) {
    const n = await walk.count();
    for (let id = 0; id < n; id++) {
      const info = await walk.info(id);
      if (walk.offers(info)) out.set(id, info);
    }
    if (out.size === 0) throw new CommandError(walk.none);
  } else {
    for (const text of which) {
      const id = await walk.resolve(text);
      out.set(id, await walk.info(id));
    }
  }
  return out;
}

/**
 * Subscribes (`notify(1)`), prints the notifications `describe` turns into results until
 * `limits` or Ctrl-C, unsubscribes (`notify(0)`, also when watching fails) and answers the
 * summary line.
 */
export async function watchLoop(
  ctx: CallContext,
  limits: { count?: number; durationMs?: number },
  notify: (on: number) => Promise<void>,
  describe: (e: Event) => CallResult | undefined,
): Promise<CallResult> {
  const { events, end } = await subscribed(
    () => notify(1),
    () => notify(0),
    () => watchEvents(ctx, limits, describe),
  );
  return watchSummary(events, end, ctx.print !== undefined);
}
