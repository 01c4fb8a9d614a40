/**
 * The dispatcher's check of a command's value against the agent's bounds on the resource
 * (`IdMap.bounds`, declared in the deployment as `min`, `max` and `rates` / `levels` /
 * `caps`): a value below `min` or above `max` → OUT_OF_RANGE; with an allowed set, a value
 * not in it → DENIED. Both are decided before the handler runs, so no plugin repeats them.
 * @module
 */
import type { Bounds } from "../grants.ts";
import type { ValueParam } from "../protocol.ts";
import type { Reader } from "../reader.ts";
import type { Ctx } from "../session.ts";
import { Status } from "../status.ts";

/** The value `p` names in the message `r` reads, in bound units (NaN: not checked). */
export function valueOf(ctx: Ctx, p: ValueParam, r: Reader, phys: number): number {
  const lo = r.peekU32(p.at);
  const raw = p.u64 ? lo + r.peekU32(p.at + 4) * 0x1_0000_0000 : p.i32 ? lo | 0 : lo;
  return p.of === undefined ? raw : p.of(ctx, phys, raw);
}

/** SUCCESS when `value` lies within `b`, else OUT_OF_RANGE (min/max) or DENIED (not allowed). */
export function checkValue(b: Bounds, value: number): Status {
  if (value !== value) return Status.SUCCESS;
  if ((b.min !== undefined && value < b.min) || (b.max !== undefined && value > b.max)) {
    return Status.OUT_OF_RANGE;
  }
  if (b.values !== undefined && !b.values.includes(value)) return Status.DENIED;
  return Status.SUCCESS;
}

/**
 * Checks every value parameter of a command against bounds `b`; returns the first refusal,
 * or SUCCESS. Allocation-free.
 */
export function checkBounds(
  ctx: Ctx,
  value: ValueParam | readonly ValueParam[],
  r: Reader,
  phys: number,
  b: Bounds,
): Status {
  if (!isList(value)) return checkValue(b, valueOf(ctx, value, r, phys));
  for (let i = 0; i < value.length; i++) {
    const st = checkValue(b, valueOf(ctx, value[i], r, phys));
    if (st !== Status.SUCCESS) return st;
  }
  return Status.SUCCESS;
}

function isList(v: ValueParam | readonly ValueParam[]): v is readonly ValueParam[] {
  return Array.isArray(v);
}

/** Bounds as text for logs and lint: `10000000–200000000`, `one of 50, 100`. */
export function boundsText(b: Bounds): string {
  const parts: string[] = [];
  if (b.min !== undefined || b.max !== undefined) {
    parts.push(`${b.min ?? "…"}–${b.max ?? "…"}`);
  }
  if (b.values !== undefined) parts.push(`one of ${b.values.join(", ")}`);
  return parts.join(", ");
}
