/**
 * The options of a `shmem` agent: its binding, its doorbell kind and the channel areas in its
 * shared memory. Checked once by the manifest loader (so `vscmi check` names a bad value's
 * key and line) and again when the transport starts.
 * @module
 */
import { OptionError } from "../../core/options.ts";
import { MIN_AREA } from "./layout.ts";

/** How the agent rings the platform. */
export type DoorbellKind = "smc" | "hvc" | "mailbox";

/** One channel area, checked. */
export interface AreaConfig {
  /** Byte offset of the area in the agent's shared memory. */
  readonly offset: number;
  /** Bytes of the area. */
  readonly size: number;
  /**
   * The channel's number: the mailbox channel a doorbell names (a0) and the number the
   * binding reports with each of its interrupts. Default: its index in `channels`, and for the
   * P2A channel the number after the last A2P channel.
   */
  readonly number: number;
}

/** One agent→platform channel, checked. */
export interface A2pConfig extends AreaConfig {
  /** SMC/HVC function id (a0) that rings it; null for a mailbox. */
  readonly functionId: number | null;
}

/** The checked options of one agent. */
export interface ShmemConfig {
  /** Where memory, traps and interrupts come from (a binding name). */
  readonly binding: string;
  readonly doorbell: DoorbellKind;
  /** `arm,scmi-smc-param`: a1/a2 carry the area's 4 KiB page and offset (SMC/HVC only). */
  readonly smcParam: boolean;
  /** Guest-physical address of the memory's first byte, when declared. */
  readonly shmBase: number | null;
  /** Bytes of shared memory (the file's size). */
  readonly shmSize: number;
  readonly channels: readonly A2pConfig[];
  /** The platform→agent channel (mailbox only), or null. */
  readonly p2a: AreaConfig | null;
  /** How often a P2A message waiting for the agent to free the area looks again (ms). */
  readonly p2aPollMs: number;
}

/** Option names and their help, for the transport's declaration. */
export const SHMEM_OPTIONS: Readonly<Record<string, string>> = {
  binding: 'Where memory, traps and interrupts come from: "file" (default)',
  doorbell: '"smc", "hvc" (a trap with a function id in a0) or "mailbox" (a0 = channel number)',
  function_id: "SMC/HVC: the function id (a0) of every channel without its own",
  smc_param: "SMC/HVC: arm,scmi-smc-param, a1/a2 = the channel's 4 KiB page and offset (false)",
  shm_base: "Guest-physical address of the shared memory's first byte (needed by smc_param)",
  shm_size: "Bytes of shared memory (default: whole 4 KiB pages covering the channels)",
  channels: "Agent→platform channels: [{ offset, size, number?, function_id? }, …]",
  p2a: "Mailbox: the platform→agent channel { offset, size, number? }",
  p2a_poll_ms: "How often a message for the P2A channel checks the agent freed it (1; 1–1000)",
};

const MAX_SHM = 16 << 20;
const MAX_AREA = 64 << 10;
const MAX_CHANNELS = 32;
const U32 = 0xffff_ffff;
/** arm,scmi-smc-param passes page and offset in 32-bit registers: addresses below 2^44. */
const PARAM_LIMIT = 2 ** 44;

/** An integer option (TOML integers may come as bigint) within [min, max]. */
function int(option: string, v: unknown, min: number, max: number): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new OptionError(option, `an integer from ${min} to ${max}`, v);
  }
  return n;
}

function table(option: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new OptionError(option, `a table { ${keys.join(", ")} }`, v);
  }
  const t = v as Record<string, unknown>;
  for (const k of Object.keys(t)) {
    if (!keys.includes(k)) {
      throw new OptionError(`${option}.${k}`, `one of the keys ${keys.join(", ")}`, k);
    }
  }
  return t;
}

function area(option: string, t: Record<string, unknown>, number: number): AreaConfig {
  const offset = int(`${option}.offset`, t.offset, 0, MAX_SHM - MIN_AREA);
  if (offset % 4 !== 0) throw new OptionError(`${option}.offset`, "a multiple of 4", t.offset);
  const size = int(`${option}.size`, t.size, MIN_AREA, MAX_AREA);
  const n = t.number === undefined ? number : int(`${option}.number`, t.number, 0, U32);
  return { offset, size, number: n };
}

/**
 * Checks one agent's shmem options; throws OptionError naming the option (`channels[1].size`)
 * and what it expects. `bindings` are the binding names this build has.
 */
export function checkShmemOptions(
  options: Readonly<Record<string, unknown>>,
  bindings: readonly string[],
): ShmemConfig {
  const binding = options.binding ?? "file";
  if (typeof binding !== "string" || !bindings.includes(binding)) {
    throw new OptionError("binding", `one of ${bindings.map((b) => `"${b}"`).join(", ")}`, binding);
  }
  const doorbell = options.doorbell;
  if (doorbell !== "smc" && doorbell !== "hvc" && doorbell !== "mailbox") {
    throw new OptionError("doorbell", '"smc", "hvc" or "mailbox"', doorbell);
  }
  const trap = doorbell !== "mailbox";
  const fid = options.function_id === undefined
    ? null
    : int("function_id", options.function_id, 0, U32);
  if (!trap && fid !== null) {
    throw new OptionError("function_id", "no function id for a mailbox doorbell", fid);
  }
  const smcParam = options.smc_param ?? false;
  if (typeof smcParam !== "boolean") throw new OptionError("smc_param", "true or false", smcParam);
  if (smcParam && !trap) {
    throw new OptionError("smc_param", "false for a mailbox doorbell", smcParam);
  }
  const shmBase = options.shm_base === undefined
    ? null
    : int("shm_base", options.shm_base, 0, Number.MAX_SAFE_INTEGER);
  if (smcParam && shmBase === null) {
    throw new OptionError("shm_base", "the guest-physical address smc_param passes", undefined);
  }

  const list = options.channels;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CHANNELS) {
    throw new OptionError("channels", `a list of 1 to ${MAX_CHANNELS} channel tables`, list);
  }
  const channels: A2pConfig[] = list.map((v, i) => {
    const o = `channels[${i}]`;
    const t = table(o, v, ["offset", "size", "number", "function_id"]);
    const a = area(o, t, i);
    if (!trap && t.function_id !== undefined) {
      throw new OptionError(
        `${o}.function_id`,
        "no function id for a mailbox doorbell",
        t.function_id,
      );
    }
    const own = t.function_id === undefined ? null : int(`${o}.function_id`, t.function_id, 0, U32);
    const functionId = trap ? own ?? fid : null;
    if (trap && functionId === null) {
      throw new OptionError("function_id", "the SMC/HVC function id of the channels", undefined);
    }
    return { ...a, functionId };
  });
  let p2a: AreaConfig | null = null;
  if (options.p2a !== undefined) {
    if (trap) {
      throw new OptionError("p2a", "no P2A channel: SMC/HVC has none (use a mailbox)", options.p2a);
    }
    p2a = area("p2a", table("p2a", options.p2a, ["offset", "size", "number"]), channels.length);
  }

  const areas: [string, AreaConfig][] = channels.map((c, i) => [`channels[${i}]`, c]);
  if (p2a) areas.push(["p2a", p2a]);
  const end = Math.max(...areas.map(([, a]) => a.offset + a.size));
  const shmSize = options.shm_size === undefined
    ? Math.ceil(end / 4096) * 4096
    : int("shm_size", options.shm_size, MIN_AREA, MAX_SHM);
  for (const [name, a] of areas) {
    if (a.offset + a.size > shmSize) {
      throw new OptionError(`${name}.size`, `an area inside shm_size (${shmSize} bytes)`, a.size);
    }
  }
  for (let i = 0; i < areas.length; i++) {
    for (let j = 0; j < i; j++) {
      const [n, a] = areas[i];
      const [m, b] = areas[j];
      if (a.offset < b.offset + b.size && b.offset < a.offset + a.size) {
        throw new OptionError(`${n}.offset`, `an area that does not overlap ${m}`, a.offset);
      }
      if (a.number === b.number) {
        throw new OptionError(`${n}.number`, `a number other than ${m}'s`, a.number);
      }
    }
  }
  if (trap) {
    for (let i = 0; i < channels.length; i++) {
      for (let j = 0; j < i; j++) {
        if (!smcParam && channels[i].functionId === channels[j].functionId) {
          throw new OptionError(
            `channels[${i}].function_id`,
            `a function id other than channels[${j}]'s (or smc_param = true)`,
            channels[i].functionId,
          );
        }
      }
    }
    if (smcParam && shmBase !== null && shmBase + shmSize > PARAM_LIMIT) {
      throw new OptionError(
        "shm_base",
        "an address below 2^44 (smc_param passes page numbers)",
        shmBase,
      );
    }
  }
  const p2aPollMs = int("p2a_poll_ms", options.p2a_poll_ms ?? 1, 1, 1000);
  return { binding, doorbell, smcParam, shmBase, shmSize, channels, p2a, p2aPollMs };
}
