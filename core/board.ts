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
/** One of {@linkcode RESOURCE_KINDS}: the kind of a resource, as grants and commands name it. */
export type ResourceKind = typeof RESOURCE_KINDS[number];

/** Fields every resource has. `id` is the physical id, unique within its kind. */
export interface ResourceDesc {
  /**
   * Physical id: the board's number for the resource, unique within its kind; drivers see only
   * this.
   */
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

/** A clock: its rates, its state and parent at power-on, and how long changes take. */
export interface ClockDesc extends ResourceDesc {
  /** The rates it can run at. */
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
  /** The configuration type: 1 duty cycle, 2 phase, 0x80–0xFF OEM-defined. */
  type: number;
  /** Its value at power-on. */
  value: number;
}

/** A reset domain: how long a reset takes and which reset states it supports. */
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

/** A power domain: its parent, state at power-on, latency and extra power states. */
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

/** One operating point of a performance domain. */
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

/** A performance domain: its levels, level at power-on and sustained operating point. */
export interface PerfDesc extends ResourceDesc {
  /** Ascending by level. */
  levels: PerfLevel[];
  /** Level at power-on. */
  level: number;
  /** Sustained frequency, kHz (PERF_DOMAIN_ATTRIBUTES). */
  sustainedFreqKhz: number;
  /** Level the domain can sustain indefinitely. */
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
  /** Power-of-ten exponent of `resolution`; default the sensor's. */
  resolutionExp?: number;
  /** Smallest value the axis can report; default the sensor's. */
  min?: number;
  /** Largest value the axis can report; default the sensor's. */
  max?: number;
  /** How the simulated axis moves; default the sensor's `sim`. */
  sim?: SensorSim;
}

/**
 * A sensor: its type, unit, axes, update intervals, how the simulation moves it, and extended
 * attributes.
 */
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
  /** How the simulated sensor's value moves over time. */
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
  /** Resolution `resolution × 10^resolutionExp` in the sensor's unit (scalar sensors). */
  resolution?: number;
  /** Power-of-ten exponent of `resolution`. */
  resolutionExp?: number;
  /** Smallest value the sensor can report (scalar sensors). */
  min?: number;
  /** Largest value the sensor can report (scalar sensors). */
  max?: number;
}

/** Voltage levels: a discrete list (ascending, µV) or a segment (min, max, step). */
export type VoltageLevels =
  | { kind: "list"; levels: number[] }
  | { kind: "segment"; min: number; max: number; step: number };

/** A voltage domain: its levels, level and state at power-on, and settling time. */
export interface VoltageDesc extends ResourceDesc {
  /** The levels it can be set to. */
  levels: VoltageLevels;
  /** Level at power-on, µV. */
  level: number;
  /** On at power-on. */
  on: boolean;
  /** Supports asynchronous VOLTAGE_LEVEL_SET (delayed response). */
  async: boolean;
  /** Time a level change takes to settle, µs (default 0: immediate). */
  latencyUs?: number;
}

/** A pin: its power-on configuration and function. */
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

/** A pin group: the pins it holds. */
export interface GroupDesc extends ResourceDesc {
  /** Physical ids of its pins. */
  pins: number[];
}

/** A pin function: the groups or single pins that can carry it. */
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

/**
 * A power-capping domain: cap and averaging-interval ranges, state at power-on, units and simulated
 * load.
 */
export interface PowercapDesc extends ResourceDesc {
  /** Smallest cap, µW. */
  minCap: number;
  /** Largest cap, µW. */
  maxCap: number;
  /** Step between caps, µW. */
  capStep: number;
  /** Cap at power-on, µW. */
  cap: number;
  /** Shortest power averaging interval, µs. */
  minPai: number;
  /** Longest power averaging interval, µs. */
  maxPai: number;
  /** Step between averaging intervals, µs. */
  paiStep: number;
  /** Averaging interval at power-on, µs. */
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
  /** Lowest power the load draws, in the domain's cap unit. */
  min: number;
  /** Highest power the load draws, in the domain's cap unit. */
  max: number;
  /** Time one swing from `min` to `max` and back takes, ms. */
  periodMs: number;
}

/** An SCMI device: a set of resources granted together (a UART = its clocks, resets, …). */
export interface DeviceDesc {
  /** Device id, as BASE_SET_DEVICE_PERMISSIONS names it. */
  id: number;
  /** Name from the board manifest. */
  name: string;
  /** Physical ids of its resources, by kind. */
  resources: { [K in ResourceKind]?: number[] };
}

/** A driver instance the board declares, with the options its factory checks. */
export interface DriverDecl {
  /** Instance name, which resources name in their `driver` key. */
  name: string;
  /** Driver type, as registered (e.g. `sim`). */
  type: string;
  /** Options for the driver's factory, checked against its declared option names. */
  options: Record<string, unknown>;
}

/** The description type of each resource kind. */
export interface ResourceDescByKind {
  /** Clocks. */
  clock: ClockDesc;
  /** Reset domains. */
  reset: ResetDesc;
  /** Power domains. */
  power: PowerDesc;
  /** Performance domains. */
  perf: PerfDesc;
  /** Sensors. */
  sensor: SensorDesc;
  /** Voltage domains. */
  voltage: VoltageDesc;
  /** Pins. */
  pin: PinDesc;
  /** Pin groups. */
  group: GroupDesc;
  /** Pin functions. */
  function: FunctionDesc;
  /** Power-capping domains. */
  powercap: PowercapDesc;
}

/** Every resource of the board, by kind; look one up by its `id`, not by its position. */
export type BoardResources = { [K in ResourceKind]: ResourceDescByKind[K][] };

/** A board as the board manifest describes it: resources by kind, drivers and devices. */
export interface Board extends BoardResources {
  /** Board name from `[board] name`. */
  name: string;
  /** Power unit of perf level costs: "mW", "uW" or "abstract". */
  perfPowerUnit: "mW" | "uW" | "abstract";
  /** Driver instances it declares. */
  drivers: DriverDecl[];
  /** SCMI devices: resources granted together. */
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
