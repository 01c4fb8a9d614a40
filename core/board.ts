/**
 * The board model: resources described once in the board manifest, with physical ids.
 * Protocol plugins and board drivers read these descriptions; nothing here changes at
 * run time.
 * @module
 */

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
}

export interface ResetDesc extends ResourceDesc {
  /** Time a reset cycle takes, µs; 0x7fffffff when unknown. */
  latencyUs: number;
  /** Supports asynchronous reset (delayed response). */
  async: boolean;
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
}

/** How a simulated sensor's value moves over time. */
export type SensorSim =
  | { kind: "constant"; value: number }
  | { kind: "ramp"; from: number; to: number; periodMs: number }
  | { kind: "noise"; center: number; amplitude: number };

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
}

export interface PinDesc extends ResourceDesc {}

export interface GroupDesc extends ResourceDesc {
  /** Physical ids of its pins. */
  pins: number[];
}

export interface FunctionDesc extends ResourceDesc {
  /** Physical ids of the groups that can carry this function. */
  groups: number[];
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
