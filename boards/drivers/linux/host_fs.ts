/**
 * The host kernel's files as the linux driver sees them: synchronous reads and writes of
 * sysfs/debugfs attributes by absolute path, failures carried as the kernel's errno names.
 * `realHostFs` opens them under the hardware root; tests use a model of the kernel over a
 * recorded tree (`_kernel_model_test.ts`). A recorded tree's `.modes` file stands in for the
 * permission bits git does not keep.
 * @module
 */
import { hwPath } from "../../../core/hw_root.ts";
import { DriverError, type DriverFault } from "../../../core/driver.ts";
import { MODES_FILE, parseModes } from "./record_format.ts";

/** A failed file operation: `code` is the errno name (`ENOENT`, `EACCES`, `EINVAL`, …). */
export class HostFsError extends Error {
  /** The errno name. */
  readonly code: string;
  /** Makes the error for `code` on `path`. */
  constructor(code: string, path: string, what = "failed") {
    super(`${path}: ${what} (${code})`);
    this.name = "HostFsError";
    this.code = code;
  }
}

/** What the linux driver and discovery read and write; every path is absolute on the host. */
export interface HostFs {
  /** The file's text; throws HostFsError. */
  read(path: string): string;
  /** Writes `text` as one write(2); throws HostFsError with the kernel's errno. */
  write(path: string, text: string): void;
  /** Whether the file's permission bits allow writing (sysfs refuses writes otherwise). */
  writable(path: string): boolean;
  /** Whether a file (or a link to one) is there. */
  exists(path: string): boolean;
  /** Names in a directory, sorted; empty when it is absent. */
  list(dir: string): string[];
  /** What a path is without following a last symlink; undefined when absent. */
  kind(path: string): "file" | "dir" | "link" | undefined;
  /** A symlink's target as the kernel gives it (relative). */
  readlink(path: string): string;
  /** The file's permission bits (0o444 …). */
  mode(path: string): number;
}

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  return typeof c === "string" ? c : "EIO";
}

/**
 * The host's files under `root` (`/` on the board). When `root` holds a recorded tree's
 * `.modes` file, its permission bits stand for the files' own.
 */
export function realHostFs(root: string): HostFs {
  let modes: Map<string, number> | undefined;
  try {
    modes = parseModes(Deno.readTextFileSync(hwPath(root, `/${MODES_FILE}`)));
  } catch {
    modes = undefined;
  }
  const at = (p: string) => hwPath(root, p);
  const fs: HostFs = {
    read(p) {
      try {
        return Deno.readTextFileSync(at(p));
      } catch (e) {
        throw new HostFsError(codeOf(e), p, "cannot read");
      }
    },
    write(p, text) {
      if (modes && !fs.writable(p)) throw new HostFsError("EACCES", p, "read-only");
      try {
        Deno.writeTextFileSync(at(p), text);
      } catch (e) {
        throw new HostFsError(codeOf(e), p, "cannot write");
      }
    },
    writable(p) {
      return (fs.mode(p) & 0o222) !== 0;
    },
    exists(p) {
      try {
        Deno.statSync(at(p));
        return true;
      } catch {
        return false;
      }
    },
    list(dir) {
      try {
        return [...Deno.readDirSync(at(dir))].map((e) => e.name).sort();
      } catch {
        return [];
      }
    },
    kind(p) {
      try {
        const s = Deno.lstatSync(at(p));
        return s.isSymlink ? "link" : s.isDirectory ? "dir" : "file";
      } catch {
        return undefined;
      }
    },
    readlink(p) {
      try {
        return Deno.readLinkSync(at(p));
      } catch (e) {
        throw new HostFsError(codeOf(e), p, "cannot read the link");
      }
    },
    mode(p) {
      if (modes) {
        const m = modes.get(resolveIn(fs, p).slice(1));
        if (m !== undefined) return m;
      }
      try {
        return (Deno.statSync(at(p)).mode ?? 0) & 0o7777;
      } catch (e) {
        throw new HostFsError(codeOf(e), p, "cannot stat");
      }
    },
  };
  return fs;
}

/** `path` with every symlink on it resolved through `fs` (absolute, normalised). */
export function resolveIn(fs: Pick<HostFs, "kind" | "readlink">, path: string): string {
  const out: string[] = [];
  const todo = path.split("/").filter(Boolean);
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      out.pop();
      continue;
    }
    out.push(part);
    const here = `/${out.join("/")}`;
    if (fs.kind(here) === "link") {
      if (++hops > 40) throw new HostFsError("ELOOP", path, "too many links");
      const target = fs.readlink(here);
      out.pop();
      if (target.startsWith("/")) out.length = 0;
      todo.unshift(...target.split("/").filter(Boolean));
    }
  }
  return `/${out.join("/")}`;
}

/** The SCMI-facing fault of a kernel errno: how a failed sysfs write is answered. */
export function faultOf(code: string): DriverFault {
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "denied";
    case "EINVAL":
      return "invalid";
    case "ERANGE":
      return "range";
    case "EBUSY":
    case "EAGAIN":
      return "busy";
    case "EOPNOTSUPP":
    case "ENOTSUP":
      return "unsupported";
    default:
      return "hardware";
  }
}

/**
 * Runs a file operation and turns its failure into the DriverError the dispatcher answers with
 * an SCMI status, so nothing the kernel refuses escapes as a plain exception.
 */
export function hostOp<T>(what: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (e instanceof DriverError) throw e;
    if (e instanceof HostFsError) throw new DriverError(faultOf(e.code), e.message);
    throw new DriverError(faultOf(codeOf(e)), `${what}: ${e instanceof Error ? e.message : e}`);
  }
}

/** Reads an integer attribute; a non-number is a hardware fault. */
export function readInt(fs: HostFs, path: string): number {
  return hostOp(path, () => {
    const text = fs.read(path).trim();
    const n = Number(text);
    if (text === "" || !Number.isFinite(n)) {
      throw new DriverError("hardware", `${path}: not a number: "${text}"`);
    }
    return n;
  });
}

/** Reads a text attribute, trimmed. */
export function readText(fs: HostFs, path: string): string {
  return hostOp(path, () => fs.read(path).trim());
}
