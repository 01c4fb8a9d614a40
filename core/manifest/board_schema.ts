/**
 * The shape of a board manifest (`boards/<board>.toml`), checked with zod. Names that refer
 * to other resources stay names here; `board.ts` resolves them and checks the semantics.
 * @module
 */
import { z } from "zod";
import type { ResourceKind } from "../board.ts";
import { ascii, bool, int, list, name, oneOf, quantity, ref, table, u32 } from "./_schema.ts";
import { HERTZ, MICROVOLTS, MICROWATTS } from "./units.ts";
import { VALUE_POLICIES } from "../policy/values.ts";

/** How each kind is named in messages ("a clock", "another clock"). */
export const KIND_NOUN = {
  clock: "clock",
  reset: "reset domain",
  power: "power domain",
  perf: "performance domain",
  sensor: "sensor",
  voltage: "voltage domain",
  pin: "pin",
  group: "pin group",
  function: "pin function",
  powercap: "power-capping domain",
} as const satisfies Record<ResourceKind, string>;

/** Key of each kind's list in `[[device]]` tables and in agent grants. */
export const MEMBER_KEY = {
  clock: "clocks",
  reset: "resets",
  power: "power_domains",
  perf: "perf_domains",
  sensor: "sensors",
  voltage: "voltage_domains",
  pin: "pins",
  group: "groups",
  function: "functions",
  powercap: "powercaps",
} as const satisfies Record<ResourceKind, string>;

/** SCMI sensor types by name (DEN0056 sensor type table); any 0–255 may be given as a number. */
export const SENSOR_TYPE = {
  none: 0,
  unspecified: 1,
  celsius: 2,
  fahrenheit: 3,
  kelvin: 4,
  volts: 5,
  amps: 6,
  watts: 7,
} as const;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const id = () => int(0, 0xffff, "an id from 0 to 65535");
const latency = () => u32("a time in µs from 0 to 4294967295");
const freq = () => quantity(HERTZ, "a frequency", 1, MAX_SAFE);
const volts = () => quantity(MICROVOLTS, "a voltage", -0x80000000, 0x7fffffff);
const watts = () => quantity(MICROWATTS, "a power", 1, 0xffffffff);
const common = {
  id: id(),
  name: name(),
  driver: ref("a declared driver").optional(),
};
/** How agents' value requests combine (clock, perf, voltage, powercap); see `ResourceDesc`. */
const policy = () => oneOf(VALUE_POLICIES).optional();

export const boardTable = table({
  name: name(),
  perf_power_unit: oneOf(["mW", "uW", "abstract"]).optional(),
}, "a [board] table with a name");

export const driverTable = table({
  name: ascii(31, "a driver name of 1 to 31 letters, digits, '_' or '-'").regex(/^[\w-]+$/, {
    error: "a driver name of 1 to 31 letters, digits, '_' or '-'",
  }),
  type: z.string({ error: "a driver type name" }),
  options: z.record(z.string(), z.unknown(), { error: "a table of driver options" }).optional(),
});

const clockTable = table({
  ...common,
  rates: list(freq(), "an array of frequencies").optional(),
  range: table({ min: freq(), max: freq(), step: freq() }, "a table { min, max, step }")
    .optional(),
  rate: freq().optional(),
  enabled: bool().optional(),
  parents: list(ref("a clock"), "an array of clock names").optional(),
  parent: ref("a clock").optional(),
  latency_us: latency().optional(),
  enable_latency_us: latency().optional(),
  config: list(
    table({
      type: int(0, 0xff, "a configuration type: 1 (duty cycle), 2 (phase) or 0x80–0xFF"),
      value: u32("a value from 0 to 4294967295"),
    }, "a table { type, value }"),
    "an array of { type, value } tables",
  ).optional(),
  policy: policy(),
});

const resetTable = table({
  ...common,
  latency_us: latency().optional(),
  async: bool().optional(),
  states: list(u32("a reset state word with bit 31 set"), "an array of reset states").optional(),
});

const powerTable = table({
  ...common,
  parent: ref("a power domain").optional(),
  on: bool().optional(),
  latency_us: latency().optional(),
  async: bool().optional(),
  states: list(u32("a power-state word"), "an array of power states").optional(),
});

const perfLevel = table({
  level: u32("a performance level from 0 to 4294967295"),
  freq: quantity(HERTZ, "a frequency", 1000, 0xffffffff * 1000),
  power: u32("a power cost from 0 to 4294967295").optional(),
  latency_us: latency().optional(),
}, "a table { level, freq, power, latency_us }");

const perfTable = table({
  ...common,
  levels: list(perfLevel, "an array of levels"),
  level: u32("a performance level").optional(),
  sustained_level: u32("a performance level").optional(),
  sustained_freq: quantity(HERTZ, "a frequency", 1000, 0xffffffff * 1000).optional(),
  rate_limit_us: int(0, 0xfffff, "a time in µs from 0 to 1048575").optional(),
  level_indexing: bool().optional(),
  approximate: bool().optional(),
  policy: policy(),
});

const sensorValue = () => int(-MAX_SAFE, MAX_SAFE, "an integer reading");
const period = () => int(1, 0x7fffffff, "a period in ms from 1 to 2147483647");
const sensorSim = z.discriminatedUnion("kind", [
  table({ kind: z.literal("constant"), value: sensorValue() }),
  table({
    kind: z.literal("ramp"),
    from: sensorValue(),
    to: sensorValue(),
    period_ms: period(),
    bounce: bool().optional(),
  }),
  table({
    kind: z.literal("noise"),
    center: sensorValue(),
    amplitude: int(0, MAX_SAFE, "an amplitude of 0 or more"),
    seed: int(0, 0xffffffff, "a seed from 0 to 4294967295").optional(),
  }),
  table({
    kind: z.literal("steps"),
    values: list(sensorValue(), "an array of readings").min(1, {
      error: "a non-empty array of readings",
    }),
    period_ms: period(),
  }),
], { error: 'a table with kind = "constant", "ramp", "noise" or "steps"' });

const SENSOR_TYPE_EXPECTED = `a sensor type from 0 to 255 or one of ${
  Object.keys(SENSOR_TYPE).map((k) => `"${k}"`).join(", ")
}`;
const sensorType = () =>
  z.union([
    int(0, 255, SENSOR_TYPE_EXPECTED),
    z.enum(Object.keys(SENSOR_TYPE) as [keyof typeof SENSOR_TYPE], {
      error: SENSOR_TYPE_EXPECTED,
    }),
  ], { error: SENSOR_TYPE_EXPECTED });
const exponent = () => int(-16, 15, "a power-of-ten exponent from -16 to 15");
const resolution = () => int(0, 0x7ffffff, "a resolution from 0 to 134217727");

const axisTable = table({
  name: name().optional(),
  type: sensorType().optional(),
  scale: exponent().optional(),
  resolution: resolution().optional(),
  resolution_exp: exponent().optional(),
  min: sensorValue().optional(),
  max: sensorValue().optional(),
  sim: sensorSim.optional(),
}, "a table describing one axis");

const interval = () => int(1, 0xffffffff, "an interval in µs from 1 to 4294967295");
const sensorTable = table({
  ...common,
  type: sensorType(),
  scale: exponent().optional(),
  axes: int(1, 63, "a number of axes from 1 to 63").optional(),
  axis: list(axisTable, "an array of axis tables").optional(),
  intervals_us: list(interval(), "an array of intervals").optional(),
  interval_segment: table({
    min: interval(),
    max: interval(),
    step: int(0, 0xffffffff, "a step in µs from 0 to 4294967295"),
  }, "a table { min, max, step }").optional(),
  interval_us: interval().optional(),
  async: bool().optional(),
  enabled: bool().optional(),
  latency_us: int(0, MAX_SAFE, "a time in µs of 0 or more").optional(),
  trip_points: int(0, 255, "a number of trip points from 0 to 255").optional(),
  continuous_update: bool().optional(),
  timestamps: bool().optional(),
  timestamp_exp: exponent().optional(),
  power: quantity(MICROWATTS, "a power", 0, 0xffffffff).optional(),
  resolution: resolution().optional(),
  resolution_exp: exponent().optional(),
  min: sensorValue().optional(),
  max: sensorValue().optional(),
  sim: sensorSim.optional(),
});

const voltageTable = table({
  ...common,
  levels: list(volts(), "an array of voltages").optional(),
  segment: table({ min: volts(), max: volts(), step: volts() }, "a table { min, max, step }")
    .optional(),
  level: volts().optional(),
  on: bool().optional(),
  async: bool().optional(),
  policy: policy(),
});

const pinTable = table({ ...common });

const groupTable = table({
  ...common,
  pins: list(ref("a pin"), "an array of pin names"),
});

const functionTable = table({
  ...common,
  groups: list(ref("a pin group"), "an array of pin group names"),
});

const pai = () => int(1, 0xffffffff, "an interval in µs from 1 to 4294967295");
const powercapTable = table({
  ...common,
  min_cap: watts(),
  max_cap: watts(),
  cap_step: watts().optional(),
  cap: watts().optional(),
  min_pai: pai().optional(),
  max_pai: pai().optional(),
  pai_step: pai().optional(),
  pai: pai().optional(),
  parent: ref("a power-capping domain").optional(),
  policy: policy(),
});

/** The schema of one `[[<kind>]]` table. */
export const RESOURCE_TABLE = {
  clock: clockTable,
  reset: resetTable,
  power: powerTable,
  perf: perfTable,
  sensor: sensorTable,
  voltage: voltageTable,
  pin: pinTable,
  group: groupTable,
  function: functionTable,
  powercap: powercapTable,
} as const satisfies Record<ResourceKind, z.ZodType>;

export type ResourceInput = { [K in ResourceKind]: z.output<typeof RESOURCE_TABLE[K]> };

const memberLists = Object.fromEntries(
  Object.entries(MEMBER_KEY).map(([kind, key]) => [
    key,
    list(ref(`a ${KIND_NOUN[kind as ResourceKind]}`), `an array of names`).optional(),
  ]),
) as { [K in ResourceKind as typeof MEMBER_KEY[K]]: z.ZodOptional<z.ZodArray<z.ZodString>> };

export const deviceTable = table({
  id: id(),
  name: name(),
  ...memberLists,
});

export type DeviceInput = z.output<typeof deviceTable>;

/** The top level: which keys a board manifest has; each array's tables are checked apart. */
export const boardDocument = table({
  board: z.unknown().optional(),
  driver: list(z.unknown(), "an array of tables ([[driver]])").optional(),
  device: list(z.unknown(), "an array of tables ([[device]])").optional(),
  ...Object.fromEntries(
    Object.keys(RESOURCE_TABLE).map((k) => [
      k,
      list(z.unknown(), `an array of tables ([[${k}]])`).optional(),
    ]),
  ),
});
