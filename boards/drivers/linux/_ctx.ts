/** What every class of the linux driver shares: the host's files and where each resource is. @module */
import type { Board, ResourceDesc } from "../../../core/board.ts";
import type { KindDef } from "../../../core/kind.ts";
import type { HwResourceAccess } from "../../../core/driver.ts";
import type { HostFs } from "./host_fs.ts";
import type { Logger } from "../../../core/log.ts";

/** One instance's view of the host. */
export interface LinuxCtx {
  /** The host's files (already dry-run aware). */
  readonly fs: HostFs;
  /** The board, for the resources this instance backs. */
  readonly board: Board;
  /** The instance name, for messages. */
  readonly name: string;
  /** Where the instance logs what it cannot answer with (absent in unit tests). */
  readonly log?: Logger;
}

/** What a class module hands back: its hardware interface and what `access` reports. */
export interface LinuxClass<Hw> {
  readonly hw: Hw;
  /** Whether resource `id` can be read and written on this host. */
  access(id: number): HwResourceAccess;
}

/**
 * The resources of `kind` this instance backs, each with its entry of the option table
 * `sources` (resource name → host path or table); throws Error naming the resource when one
 * has no entry, since the driver could not know where it is.
 */
export function placed<D extends ResourceDesc, S>(
  ctx: LinuxCtx,
  kind: KindDef<D, unknown>,
  option: string,
  sources: Readonly<Record<string, S>> | undefined,
): Map<number, { desc: D; source: S }> {
  const out = new Map<number, { desc: D; source: S }>();
  for (const desc of kind.of(ctx.board)) {
    if (desc.driver !== ctx.name) continue;
    const source = sources?.[desc.name];
    if (source === undefined) {
      throw new Error(
        `Driver "${ctx.name}": ${kind.noun} "${desc.name}" has no entry in options.${option} ` +
          `(its path on the host)`,
      );
    }
    out.set(desc.id, { desc, source });
  }
  return out;
}

/**
 * Why `path` cannot be read (absent, or the kernel refuses), as an access report; undefined
 * when it can.
 */
export function unreadable(fs: HostFs, path: string): HwResourceAccess | undefined {
  try {
    fs.read(path);
    return undefined;
  } catch (e) {
    return { read: false, write: false, why: `cannot read ${path}: ${(e as Error).message}` };
  }
}

/** A resource that can be read but not changed, and why. */
export function readOnly(why: string): HwResourceAccess {
  return { read: true, write: false, why };
}

/** A resource that can be read and changed. */
export const READ_WRITE: HwResourceAccess = Object.freeze({ read: true, write: true });
