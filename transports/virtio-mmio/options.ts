/**
 * The options of a `virtio-mmio` agent (one virtio-mmio SCMI device of an hvisor zone) and
 * their checks. Every bad value is an {@linkcode OptionError} naming the option, so the
 * manifest loader reports it with file, key and line.
 * @module
 */
import { posix } from "node:path";
import { OptionError } from "../../core/options.ts";
import type { HeldRange } from "../../core/transport.ts";

/** hvisor-tool's `VIRT_VENDOR` ("HVIS"), the default VendorID. */
export const HVISOR_VENDOR = 0x48564953;
/** Default `device`: the hvisor kernel module's character device. */
export const DEFAULT_DEVICE = "/dev/hvisor";
/** Default size of the MMIO window. */
export const DEFAULT_WINDOW = 0x200;
/** The register map ends at 0x100 (virtio-scmi has no device configuration). */
export const MIN_WINDOW = 0x100;
/** Page size: `zone0_ipa`, `zonex_ipa` and `size` of each memory region are multiples of it. */
export const PAGE = 0x1000;
/** Most memory regions a zone may list. */
export const MAX_REGIONS = 16;
/** Addresses above 2^48 are no intermediate physical addresses of a zone. */
const MAX_IPA = 2 ** 48;

/** One memory region of a zone: `size` bytes at `zonex_ipa` in the zone, `zone0_ipa` in zone0. */
export interface ZoneRegion {
  readonly zone0Ipa: number;
  readonly zonexIpa: number;
  readonly size: number;
}

/** Where the bridge is: the hvisor device, or a file bridge directory. */
export type BridgeDevice =
  | { readonly kind: "hvisor"; readonly path: string }
  | { readonly kind: "file"; readonly dir: string };

/** Checked options of one virtio-mmio agent. */
export interface VirtioMmioOptions {
  /** As written; relative file-bridge directories are resolved when the transport starts. */
  readonly device: BridgeDevice;
  readonly zone: number;
  readonly base: number;
  readonly size: number;
  readonly irq: number;
  readonly vendor: number;
  readonly memory: readonly ZoneRegion[];
}

/** The option declaration: name → one line of help. */
export const VIRTIO_MMIO_OPTIONS: Readonly<Record<string, string>> = {
  device: '"/dev/hvisor" (default) or "file:DIR", a file bridge (relative: beside the manifest)',
  zone: "hvisor zone id of the guest (src_zone / target_zone), 1–65535",
  base: "Guest-physical base of the device's MMIO window (a multiple of 0x100)",
  size: "Size of the MMIO window (0x200; 0x100–0x10000, a multiple of 0x100)",
  irq: "INTID injected on completion (res_list irq_id), an SPI: 32–1019",
  vendor: "VendorID register (0x48564953, hvisor-tool's VIRT_VENDOR)",
  memory:
    "The zone's RAM: [{ zone0_ipa, zonex_ipa, size }, …], page-aligned, zonex ranges disjoint",
};

function int(v: unknown): number | undefined {
  const n = typeof v === "bigint" ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
}

function intIn(
  options: Readonly<Record<string, unknown>>,
  name: string,
  expected: string,
  ok: (n: number) => boolean,
  fallback?: number,
): number {
  const raw = options[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = int(raw);
  if (n === undefined || !ok(n)) throw new OptionError(name, expected, raw);
  return n;
}

function checkDevice(raw: unknown): BridgeDevice {
  const v = raw ?? DEFAULT_DEVICE;
  const expected = 'an absolute device path such as "/dev/hvisor", or "file:DIR"';
  if (typeof v !== "string" || v.length === 0 || v.includes("\0")) {
    throw new OptionError("device", expected, raw);
  }
  if (v.startsWith("file:")) {
    const dir = v.slice(5);
    if (dir.length === 0) throw new OptionError("device", expected, raw);
    return { kind: "file", dir };
  }
  if (!v.startsWith("/")) throw new OptionError("device", expected, raw);
  return { kind: "hvisor", path: v };
}

function checkMemory(raw: unknown): ZoneRegion[] {
  const whole = `a list of 1 to ${MAX_REGIONS} tables { zone0_ipa, zonex_ipa, size }`;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_REGIONS) {
    throw new OptionError("memory", whole, raw);
  }
  const out: ZoneRegion[] = [];
  raw.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) {
      throw new OptionError("memory", `${whole}; memory[${i}] is not a table`, raw);
    }
    const t = r as Record<string, unknown>;
    const extra = Object.keys(t).filter((k) => !["zone0_ipa", "zonex_ipa", "size"].includes(k));
    if (extra.length) {
      throw new OptionError(
        "memory",
        `only zone0_ipa, zonex_ipa and size in memory[${i}]`,
        extra[0],
      );
    }
    const field = (key: string, min: number) => {
      const n = int(t[key]);
      if (n === undefined || n < min || n % PAGE !== 0 || n >= MAX_IPA) {
        throw new OptionError(
          "memory",
          `memory[${i}].${key}: a multiple of 0x1000${min ? " above 0" : ""} below 2^48`,
          t[key],
        );
      }
      return n;
    };
    const region = {
      zone0Ipa: field("zone0_ipa", 0),
      zonexIpa: field("zonex_ipa", 0),
      size: field("size", PAGE),
    };
    for (const [key, start] of [["zone0_ipa", region.zone0Ipa], ["zonex_ipa", region.zonexIpa]]) {
      if ((start as number) + region.size > MAX_IPA) {
        throw new OptionError("memory", `memory[${i}].${key} + size below 2^48`, t.size);
      }
    }
    const j = out.findIndex((o) =>
      region.zonexIpa < o.zonexIpa + o.size && o.zonexIpa < region.zonexIpa + region.size
    );
    if (j >= 0) {
      throw new OptionError(
        "memory",
        `memory[${i}]: a zonex_ipa range disjoint from memory[${j}]'s`,
        t.zonex_ipa,
      );
    }
    out.push(region);
  });
  return out;
}

/**
 * Checks a virtio-mmio agent's options: `device` (default `/dev/hvisor`, or `file:DIR`),
 * `zone` (1–65535), `base` (a multiple of 0x100 below 2^48), `size` (default 0x200;
 * 0x100–0x10000, a multiple of 0x100), `irq` (32–1019), `vendor` (default 0x48564953, a
 * 32-bit value) and `memory` (1–16 page-aligned regions whose zone ranges are disjoint and do
 * not contain the MMIO window). Throws OptionError naming the option.
 */
export function checkVirtioMmioOptions(
  options: Readonly<Record<string, unknown>>,
): VirtioMmioOptions {
  const device = checkDevice(options.device);
  const zone = intIn(
    options,
    "zone",
    "an hvisor zone id from 1 to 65535",
    (n) => n >= 1 && n <= 0xffff,
  );
  const base = intIn(
    options,
    "base",
    "a guest-physical address, a multiple of 0x100 below 2^48",
    (n) => n >= 0 && n % 0x100 === 0 && n < MAX_IPA,
  );
  const size = intIn(
    options,
    "size",
    "a window size from 0x100 to 0x10000, a multiple of 0x100",
    (n) => n >= MIN_WINDOW && n <= 0x10000 && n % 0x100 === 0,
    DEFAULT_WINDOW,
  );
  if (base + size > MAX_IPA) {
    throw new OptionError("size", "a window that ends below 2^48", options.size ?? size);
  }
  const irq = intIn(options, "irq", "an SPI INTID from 32 to 1019", (n) => n >= 32 && n <= 1019);
  const vendor = intIn(
    options,
    "vendor",
    "a 32-bit VendorID",
    (n) => n >= 0 && n <= 0xffffffff,
    HVISOR_VENDOR,
  );
  const memory = checkMemory(options.memory);
  const inside = memory.findIndex((r) => base < r.zonexIpa + r.size && r.zonexIpa < base + size);
  if (inside >= 0) {
    throw new OptionError(
      "base",
      `an MMIO window outside the zone's RAM (memory[${inside}] covers it)`,
      options.base,
    );
  }
  return { device, zone, base, size, irq, vendor, memory };
}

/**
 * The MMIO window of `o` as a range no other device may overlap: hvisor routes a trapped access
 * by zone and address, so two windows of one zone on one bridge would both claim it. Reported
 * at `base`.
 */
export function heldWindow(o: VirtioMmioOptions): HeldRange {
  // One directory however written: "sim", "./sim/".
  const path = (p: string) => posix.normalize(p).replace(/(.)\/+$/, "$1");
  const bridge = o.device.kind === "file" ? `file:${path(o.device.dir)}` : path(o.device.path);
  return {
    space: `zone ${o.zone} on ${JSON.stringify(bridge)}`,
    what: "an MMIO window",
    start: o.base,
    size: o.size,
    option: "base",
  };
}
