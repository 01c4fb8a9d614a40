/**
 * The options of a `regmap` driver instance: the register windows it maps and, keyed by
 * resource name, the register fields behind each clock, reset and power domain. Checked once
 * by the board loader (a bad description is a manifest problem naming the key and its
 * line), then compiled by `create`.
 *
 * ```toml
 * [[driver]]
 * name = "cru"
 * type = "regmap"
 * [driver.options]
 * device = "/dev/mem"                 # default; for a UIO device, base = N × page size for map N
 * windows = { cru = { base = 0xfd7c0000, size = 0x1000, write_mask = true } }
 * [driver.options.clocks]
 * pclk_uart1 = { gate = { reg = 0x830, bit = 2, active_low = true } }
 * clk_uart1_src = { mux = { reg = 0x3a4, shift = 14, width = 1 }, div = { reg = 0x3a4, shift = 9, width = 5 } }
 * gpll = { rate = "1188MHz" }                           # a rate vscmi reads, never programs
 * [driver.options.resets]
 * srst_p_uart1 = { reg = 0xa30, bit = 2 }
 * [driver.options.power_domains]
 * pd_gpu = { req = { reg = 0x140, bit = 0, active_low = true }, status = { reg = 0x180, bit = 0 }, timeout_us = 5000 }
 * ```
 * @module
 */
import { z } from "zod";
import { HERTZ } from "../../../core/manifest/units.ts";
import {
  bool,
  int,
  list,
  oneOf,
  quantity,
  table,
  valueAt,
} from "../../../core/manifest/_schema.ts";
import { OptionError } from "../../../core/options.ts";
import { Placer } from "./placement.ts";
import { isAbsolute } from "node:path";

/** The most a window may span: 16 MiB, far beyond any clock or power controller. */
export const MAX_WINDOW = 0x100_0000;

const offset = () => int(0, MAX_WINDOW - 4, "a register offset in the window (0 to 0xfffffc)");
const bitNo = () => int(0, 31, "a bit number from 0 to 31");
const hostManaged = () => bool().optional();

const bitField = table(
  { reg: offset(), bit: bitNo(), active_low: bool().optional() },
  "a table { reg, bit, active_low }",
);

const fieldShape = {
  reg: offset(),
  shift: bitNo(),
  width: int(1, 16, "a field width from 1 to 16 bits"),
};

const divTable = list(
  table({ value: int(0, 0xffff), div: int(1, 0xffff, "a divisor from 1 to 65535") }),
  "an array of { value, div } tables",
);

const clockSchema = table({
  window: z.string({ error: "the name of a window" }).optional(),
  gate: bitField.optional(),
  mux: table(
    { ...fieldShape, values: list(int(0, 0xffff), "an array of field values").optional() },
    "a table { reg, shift, width, values }",
  ).optional(),
  div: table({
    ...fieldShape,
    formula: oneOf(["plus_one", "pow2", "exact"]).optional(),
    table: divTable.optional(),
  }, "a table { reg, shift, width, formula | table }").optional(),
  rate: quantity(HERTZ, "a frequency", 1, Number.MAX_SAFE_INTEGER).optional(),
  host_managed: hostManaged(),
}, "a table of a clock's register fields");

const resetSchema = table({
  window: z.string({ error: "the name of a window" }).optional(),
  reg: offset(),
  bit: bitNo(),
  active_low: bool().optional(),
  self_clearing: bool().optional(),
  deassert: table({ reg: offset(), bit: bitNo() }, "a table { reg, bit }").optional(),
  host_managed: hostManaged(),
}, "a table { reg, bit, active_low, self_clearing, deassert }");

const powerSchema = table({
  window: z.string({ error: "the name of a window" }).optional(),
  req: bitField,
  status: bitField,
  timeout_us: int(1, 10_000_000, "a time in µs from 1 to 10000000").optional(),
  poll_us: int(1, 1_000_000, "a time in µs from 1 to 1000000").optional(),
  host_managed: hostManaged(),
}, "a table { req, status, timeout_us, poll_us }");

const windowSchema = table({
  base: int(0, Number.MAX_SAFE_INTEGER, "a physical address").refine((n) => n % 4 === 0, {
    error: "a physical address on a 4-byte boundary",
  }),
  size: int(4, MAX_WINDOW, `a size in bytes from 4 to ${MAX_WINDOW}`).refine((n) => n % 4 === 0, {
    error: "a size in bytes, a multiple of 4",
  }),
  write_mask: bool().optional(),
}, "a table { base, size, write_mask }");

const named = <T extends z.ZodType>(item: T, what: string) =>
  z.record(z.string(), item, { error: `a table of ${what} by name` });

const optionsSchema = z.object({
  device: z.string({ error: "an absolute path" }).refine(isAbsolute, { error: "an absolute path" })
    .optional(),
  windows: named(windowSchema, "register windows"),
  clocks: named(clockSchema, "clock register descriptions").optional(),
  resets: named(resetSchema, "reset register descriptions").optional(),
  power_domains: named(powerSchema, "power-domain register descriptions").optional(),
});

/** A single bit: its register offset, number, and whether 0 means on (enabled, asserted). */
export interface BitSpec {
  reg: number;
  bit: number;
  activeLow: boolean;
}

/** A multi-bit field: register offset, lowest bit, width. */
export interface FieldSpec {
  reg: number;
  shift: number;
  width: number;
}

/** How a divider field's value gives the divisor. */
export type DivFormula = "plus_one" | "pow2" | "exact";

/** One register window: where it sits and whether its registers are write-masked. */
export interface WindowSpec {
  name: string;
  base: number;
  size: number;
  /** Rockchip-style: the upper 16 bits of a write enable the lower 16. */
  writeMask: boolean;
}

/** What every description carries. */
interface Described {
  /** The resource's name on the board (the key). */
  name: string;
  window: string;
  /** The host kernel manages it: vscmi reads it, never writes it. */
  hostManaged: boolean;
}

/** A clock's register fields; none of them: a rate only, read and never programmed. */
export interface ClockSpec extends Described {
  gate?: BitSpec;
  mux?: FieldSpec & { values?: number[] };
  div?: FieldSpec & { formula: DivFormula; table?: { value: number; div: number }[] };
  /** A fixed or read-only PLL rate, Hz. */
  rate?: number;
}

/** A reset line: the bit that holds it, and whether the hardware clears it by itself. */
export interface ResetSpec extends Described, BitSpec {
  selfClearing: boolean;
  /**
   * A set/clear register pair: writing a one to `reg`/`bit` asserts (it reads back as the
   * state), writing a one here releases; each write carries only that one bit.
   */
  deassert?: { reg: number; bit: number };
}

/** A power domain: the request bit written, the status bit polled. */
export interface PowerSpec extends Described {
  req: BitSpec;
  status: BitSpec;
  timeoutUs: number;
  pollUs: number;
}

/** A regmap instance's options, checked. */
export interface RegmapOptions {
  /** The device the windows are mapped from (under the hardware root): `/dev/mem` by default. */
  device: string;
  windows: Map<string, WindowSpec>;
  clocks: Map<string, ClockSpec>;
  resets: Map<string, ResetSpec>;
  power: Map<string, PowerSpec>;
}

/** Default power-domain timeout and poll period, µs. */
export const POWER_TIMEOUT_US = 1000;
export const POWER_POLL_US = 10;

type Raw = z.output<typeof optionsSchema>;

/**
 * Checks and compiles a regmap instance's options. Throws OptionError naming the option, the
 * keys below it and what was expected: a shape error, a register past its window's end, a
 * field wider than a write-masked register's lower half, or a writable bit two resources
 * declare.
 */
export function regmapOptions(options: Readonly<Record<string, unknown>>): RegmapOptions {
  const r = optionsSchema.safeParse(options);
  if (!r.success) {
    // A misspelt key also leaves the right one missing: name the misspelling.
    const issues = r.error.issues;
    throw issueError(options, issues.find((i) => i.code === "unrecognized_keys") ?? issues[0]);
  }
  const raw: Raw = r.data;
  const windows = new Map<string, WindowSpec>();
  for (const [name, w] of Object.entries(raw.windows)) {
    windows.set(name, { name, base: w.base, size: w.size, writeMask: w.write_mask ?? false });
  }
  if (windows.size === 0) throw new OptionError("windows", "at least one register window", {});
  const place = new Placer(windows);
  const compile = <I, O>(
    option: string,
    items: Record<string, I & { window?: string }> | undefined,
    f: (p: Placed, name: string, item: I) => O,
  ) =>
    new Map(
      Object.entries(items ?? {}).map((
        [name, item],
      ) => [name, f(place.at(option, name, item.window), name, item)]),
    );
  return {
    device: raw.device ?? "/dev/mem",
    windows,
    clocks: compile("clocks", raw.clocks, clockSpec),
    resets: compile("resets", raw.resets, resetSpec),
    power: compile("power_domains", raw.power_domains, powerSpec),
  };
}

type Placed = ReturnType<Placer["at"]>;
type RawClock = NonNullable<Raw["clocks"]>[string];
type RawReset = NonNullable<Raw["resets"]>[string];
type RawPower = NonNullable<Raw["power_domains"]>[string];

/** Throws OptionError at `path` below `option` when `value` does not fit `width` bits. */
function fits(option: string, width: number, value: number, path: (string | number)[]): void {
  if (value >= 2 ** width) {
    throw new OptionError(option, `a value that fits the ${width}-bit field`, value, path);
  }
}

function clockSpec(p: Placed, name: string, c: RawClock): ClockSpec {
  const spec: ClockSpec = { name, window: p.window.name, hostManaged: c.host_managed ?? false };
  if (c.gate) spec.gate = p.bit(["gate"], c.gate, true);
  if (c.mux) {
    spec.mux = { ...p.field(["mux"], c.mux), ...(c.mux.values ? { values: c.mux.values } : {}) };
    const width = c.mux.width;
    c.mux.values?.forEach((v, i) => fits("clocks", width, v, [name, "mux", "values", i]));
  }
  if (c.div) {
    if (c.div.formula !== undefined && c.div.table !== undefined) {
      const at = [name, "div", "table"];
      throw new OptionError("clocks", "a formula or a table, not both", c.div.table, at);
    }
    spec.div = { ...p.field(["div"], c.div), formula: c.div.formula ?? "plus_one" };
    if (c.div.table) {
      const width = c.div.width;
      c.div.table.forEach((e, i) =>
        fits("clocks", width, e.value, [name, "div", "table", i, "value"])
      );
      spec.div.table = c.div.table;
    }
  }
  if (c.rate !== undefined) {
    if (c.mux || c.div) {
      const what = "a rate only on a clock without mux or divider";
      throw new OptionError("clocks", what, c.rate, [name, "rate"]);
    }
    spec.rate = c.rate;
  }
  return spec;
}

function resetSpec(p: Placed, name: string, c: RawReset): ResetSpec {
  const spec: ResetSpec = {
    name,
    window: p.window.name,
    hostManaged: c.host_managed ?? false,
    ...p.bit([], c, true),
    selfClearing: c.self_clearing ?? false,
  };
  if (c.deassert) {
    if (c.self_clearing || c.active_low) {
      const what = "a deassert bit only on a reset neither self-clearing nor active low";
      throw new OptionError("resets", what, c.deassert, [name, "deassert"]);
    }
    const d = p.bit(["deassert"], c.deassert, true);
    spec.deassert = { reg: d.reg, bit: d.bit };
  }
  return spec;
}

function powerSpec(p: Placed, name: string, c: RawPower): PowerSpec {
  return {
    name,
    window: p.window.name,
    hostManaged: c.host_managed ?? false,
    req: p.bit(["req"], c.req, true),
    status: p.bit(["status"], c.status, false),
    timeoutUs: c.timeout_us ?? POWER_TIMEOUT_US,
    pollUs: c.poll_us ?? POWER_POLL_US,
  };
}

/** The first zod issue as an OptionError at its option and path. */
function issueError(
  options: Readonly<Record<string, unknown>>,
  iss: z.core.$ZodIssue,
): OptionError {
  const path = iss.path as (string | number)[];
  const [option, ...rest] = path.length ? path : [""];
  if (iss.code === "unrecognized_keys") {
    return new OptionError(String(option), iss.message, iss.keys[0], [...rest, iss.keys[0]]);
  }
  const expected = iss.code === "invalid_type" && iss.message.startsWith("Invalid")
    ? `a value of type ${iss.expected}`
    : iss.message;
  return new OptionError(String(option), expected, valueAt(options, path), rest);
}
