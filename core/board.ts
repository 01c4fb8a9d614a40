/**
 * The board model: resources described once in the board manifest, with physical ids.
 * Protocol plugins and board drivers read these descriptions; nothing here changes at
 * run time.
 * @module
 */
import type { ValuePolicy } from "./policy/values.ts";

/** Resource classes that agents are granted and that SCMI protocols expose. */
export const RESOURCE_KINDS = [
  "clock",
  "reset",
  "power",
  "perf",
  "sensor",
  "voltage",
  "pin",
  "group",
  "function",
  "powercap",
] as const;
export type ResourceKind = typeof RESOURCE_KINDS[number];

/** Fields every resource has. `id` is the physical id, unique within its kind. */
export interface ResourceDesc {
  id: number;
  /** Unique within its kind; up to 63 ASCII characters (15 fit the short-name fields). */
  name: string;
  /** Name of the board driver instance that backs it. */
  driver: string;
  /**
   * How agents' value requests (clock rate, performance level, voltage, power cap) combine
   * on this resource: the board's `policy` key, overridden by the deployment's
   * `[policy.<kind>]` table. Absent: the protocol's default (`last` for clocks and
   * performance domains, the highest request inside every requester's range for voltage
   * domains, the lowest cap for power-capping domains).
   */
  policy?: ValuePolicy;
  /**
   * The platform keeps it on (deployment `[policy.keep_on]`): no agent's vote, nor every
   * agent letting go, turns it off. Clocks found running at start-up are kept too.
   */
  kept?: boolean;
}

/** Rates a clock supports: a discrete list (ascending, Hz) or a linear range. */
export type ClockRates =
  | { kind: "list"; rates: number[] }
  | { kind: "range"; min: number; max: number; step: number };

export interface ClockDesc extends ResourceDesc {
  rates: ClockRates;
  /** Rate at power-on, Hz. */
  rate: number;
  /** Running at power-on. */
  enabled: boolean;
  /** Physical ids of the clocks this one may be switched to; empty when it has no mux. */
  parents: number[];
  /** Physical id of the parent at power-on, if any. */
  parent?: number;
  /** Time a rate change takes, µs (0 = immediate). */
  latencyUs: number;
  /** Worst-case time the clock takes to start when enabled, µs; absent or 0 = not known. */
  enableLatencyUs?: number;
  /**
   * Extended configuration types the clock has, with their power-on values: 1 duty cycle,
   * 2 phase, 0x80–0xFF OEM-defined (CLOCK_CONFIG_SET/GET from clock protocol 3.0).
   */
  oemConfig?: ClockConfigDesc[];
}

/** One extended configuration type of a clock and its value at power-on. */
export interface ClockConfigDesc {
  type: number;
  value: number;
}

export interface ResetDesc extends ResourceDesc {
  /** Time a reset cycle takes, µs; 0x7fffffff when unknown. */
  latencyUs: number;
  /** Supports asynchronous reset (delayed response). */
  async: boolean;
  /**
   * IMPLEMENTATION DEFINED reset states (bit 31 set) the domain supports besides the
   * architectural cold reset (0); none when absent.
   */
  states?: number[];
}

export interface PowerDesc extends ResourceDesc {
  /** Physical id of the domain that must be on for this one to be on. */
  parent?: number;
  /** On at power-on. */
  on: boolean;
  /** Time a state change takes, µs. */
  latencyUs: number;
  /** Supports asynchronous POWER_STATE_SET. */
  async: boolean;
  /**
   * Power-state words the domain accepts besides ON (0) and OFF (0x40000000), e.g. retention
   * states, shallowest first; when agents disagree the shallowest requested one wins.
   */
  states?: number[];
}

export interface PerfLevel {
  /** Performance level value (abstract, or kHz when the board says so). */
  level: number;
  /** Power cost at this level (µW, mW or abstract per the board's `perfPowerUnit`). */
  power: number;
  /** Transition latency to this level, µs. */
  latencyUs: number;
  /** Frequency at this level, kHz. */
  freqKhz: number;
}

export interface PerfDesc extends ResourceDesc {
  /** Ascending by level. */
  levels: PerfLevel[];
  /** Level at power-on. */
  level: number;
  sustainedFreqKhz: number;
  sustainedLevel: number;
  /** Minimum interval between level changes, µs. */
  rateLimitUs: number;
  /**
   * Agents speaking Performance 4.0 address this domain's levels by their index in `levels`
   * (level-indexing mode) in LEVEL/LIMITS commands and notifications. Default false.
   */
  levelIndexing?: boolean;
  /**
   * The hardware runs a requested level it does not declare at the nearest declared level
   * inside the limits; otherwise such a request is refused (OUT_OF_RANGE). Default false.
   */
  approximate?: boolean;
}

/** How a simulated sensor's value moves over time. */
export type SensorSim =
  | { kind: "constant"; value: number }
  /**
   * From `from` to `to` over `periodMs`, then again from `from` (a sawtooth); with `bounce`
   * it runs back down over the next period instead (a triangle).
   */
  | { kind: "ramp"; from: number; to: number; periodMs: number; bounce?: boolean }
  /** Uniform noise within ±`amplitude` of `center`; `seed` fixes the sequence (default: id). */
  | { kind: "noise"; center: number; amplitude: number; seed?: number }
  /** Each of `values` in turn for `periodMs`, then again from the first. */
  | { kind: "steps"; values: number[]; periodMs: number };

/** One axis of a multi-axis sensor (sensor protocol 2.0 and later). */
export interface SensorAxisDesc {
  /** Up to 63 ASCII characters; default `<sensor name>_X`, `_Y`, `_Z`, then `_<index>`. */
  name?: string;
  /** SCMI sensor type of this axis; default the sensor's. */
  type?: number;
  /** Power-of-ten exponent of this axis's unit; default the sensor's. */
  scale?: number;
  /** Resolution `resolution × 10^resolutionExp` in the axis's unit; default the sensor's. */
  resolution?: number;
  resolutionExp?: number;
  /** Smallest and largest value the axis can report; default the sensor's. */
  min?: number;
  max?: number;
  /** How the simulated axis moves; default the sensor's `sim`. */
  sim?: SensorSim;
}

export interface SensorDesc extends ResourceDesc {
  /** SCMI sensor type (e.g. 2 = degrees C, 5 = volts, 6 = amps, 7 = watts). */
  type: number;
  /** Power-of-ten exponent of the reading's unit. */
  scale: number;
  /** Number of axes (1 for a scalar sensor). */
  axes: number;
  /** Update intervals the sensor supports, µs. */
  intervalsUs: number[];
  /** Supports asynchronous reads. */
  async: boolean;
  sim: SensorSim;
  /** Per-axis descriptions when `axes` > 1, by axis index; absent entries take the sensor's. */
  axisDescs?: SensorAxisDesc[];
  /** Trip points each agent may configure on the sensor, 0–255 (default 0). */
  tripPoints?: number;
  /** Sends SENSOR_UPDATE notifications at its update interval (protocol 2.0+; default no). */
  continuousUpdate?: boolean;
  /** Readings carry a timestamp (protocol 2.0+; default no). */
  timestamps?: boolean;
  /** Power-of-ten exponent of the timestamp unit in seconds, −16…15 (default −6: µs). */
  timestampExp?: number;
  /** Supported update intervals as a segment (min, max, step, µs) instead of `intervalsUs`. */
  intervalSegment?: { min: number; max: number; step: number };
  /** Update interval at power-on, µs; default the shortest supported. */
  intervalUs?: number;
  /** Enabled at power-on (default yes). */
  enabled?: boolean;
  /** Time one reading takes, µs (default 0); the sim answers reads after it. */
  latencyUs?: number;
  /**
   * Extended attributes (protocol 2.0+), reported when any of these is given: average power
   * drawn, µW; resolution `resolution × 10^resolutionExp` in the sensor's unit; smallest and
   * largest value it can report (the last three only for scalar sensors, per axis otherwise).
   */
  powerUw?: number;
  resolution?: number;
  resolutionExp?: number;
  min?: number;
  max?: number;
}

/** Voltage levels: a discrete list (ascending, µV) or a segment (min, max, step). */
export type VoltageLevels =
  | { kind: "list"; levels: number[] }
  | { kind: "segment"; min: number; max: number; step: number };

export interface VoltageDesc extends ResourceDesc {
  levels: VoltageLevels;
  /** Level at power-on, µV. */
  level: number;
  /** On at power-on. */
  on: boolean;
  async: boolean;
  /** Time a level change takes to settle, µs (default 0: immediate). */
  latencyUs?: number;
}

export interface PinDesc extends ResourceDesc {
  /**
   * Power-on configuration values by SCMI configuration type (1–20 standard, 192–255 OEM;
   * see `PinConfig` and `PIN_CONFIG_NAMES` in `core/hw/pinctrl.ts`). The pin has every
   * standard type (value 0 unless given here) and the OEM types given here.
   */
  config?: Readonly<Record<number, number>>;
  /** Physical id of the function selected at power-on (default: none). */
  function?: number;
}

export interface GroupDesc extends ResourceDesc {
  /** Physical ids of its pins. */
  pins: number[];
}

export interface FunctionDesc extends ResourceDesc {
  /** Physical ids of the groups that can carry this function. */
  groups: number[];
  /**
   * A pin-only function: physical ids of the single pins that can carry it. When non-empty
   * the function applies to pins one by one, not to groups (`groups` is then empty), and
   * PINCTRL_LIST_ASSOCIATIONS lists these pins. Default: none.
   */
  pins?: number[];
  /** The function makes its pins GPIOs (PINCTRL_ATTRIBUTES GPIO bit). Default false. */
  gpio?: boolean;
}

export interface PowercapDesc extends ResourceDesc {
  /** Cap range, µW. */
  minCap: number;
  maxCap: number;
  capStep: number;
  /** Cap at power-on, µW. */
  cap: number;
  /** Power averaging interval range, µs. */
  minPai: number;
  maxPai: number;
  paiStep: number;
  pai: number;
  /** Physical id of the parent powercap domain, if any. */
  parent?: number;
  /**
   * Unit of the cap, step, sustainable-power and measured-power values: "uW" (default), "mW"
   * or "abstract" (a linear scale).
   */
  unit?: "uW" | "mW" | "abstract";
  /** Supports asynchronous POWERCAP_CAP_SET (default false). */
  async?: boolean;
  /** Time the controller takes to apply a new cap, µs (default 0: immediate). */
  latencyUs?: number;
  /** Reports its measured power (POWERCAP_MEASUREMENTS_GET; default true). */
  monitoring?: boolean;
  /** Agents speaking Powercap 2.0 may disable capping with a cap of 0 (default false). */
  canDisable?: boolean;
  /** Power the domain can draw indefinitely (default `maxCap`). */
  sustainablePower?: number;
  /** Accuracy of the cap and of the measurements, as reported to agents (default 0). */
  accuracy?: number;
  /** How the simulated load draws power (the `sim` driver; see `PowercapLoad`). */
  load?: PowercapLoad;
}

/**
 * A simulated load: the power it would draw swings linearly from `min` to `max` and back over
 * `periodMs` (a triangle wave), and the domain's cap clips it. Default: from half of `minCap`
 * to `maxCap` over 10 s.
 */
export interface PowercapLoad {
  min: number;
  max: number;
  periodMs: number;
}

/** An SCMI device: a set of resources granted together (a UART = its clocks, resets, …). */
export interface DeviceDesc {
  id: number;
  name: string;
  resources: { [K in ResourceKind]?: number[] };
}

/** A driver instance the board declares, with the options its factory checks. */
export interface DriverDecl {
  name: string;
  type: string;
  options: Record<string, unknown>;
}

export interface ResourceDescByKind {
  clock: ClockDesc;
  reset: ResetDesc;
  power: PowerDesc;
  perf: PerfDesc;
  sensor: SensorDesc;
  voltage: VoltageDesc;
  pin: PinDesc;
  group: GroupDesc;
  function: FunctionDesc;
  powercap: PowercapDesc;
}

export type BoardResources = { [K in ResourceKind]: ResourceDescByKind[K][] };

export interface Board extends BoardResources {
  name: string;
  /** Power unit of perf level costs: "mW", "uW" or "abstract". */
  perfPowerUnit: "mW" | "uW" | "abstract";
  drivers: DriverDecl[];
  devices: DeviceDesc[];
}

/** An empty board, for tests that build one resource class at a time. */
export function emptyBoard(name = "empty"): Board {
  return {
    name,
    perfPowerUnit: "abstract",
    drivers: [],
    devices: [],
    clock: [],
    reset: [],
    power: [],
    perf: [],
    sensor: [],
    voltage: [],
    pin: [],
    group: [],
    function: [],
    powercap: [],
  };
}

/** Looks a resource up by physical id. */
export function findResource<K extends ResourceKind>(
  board: Board,
  kind: K,
  id: number,
): ResourceDescByKind[K] | undefined {
  return (board[kind] as ResourceDescByKind[K][]).find((r) => r.id === id);
}
