/**
 * The board model: resources described once in the board manifest, with physical ids.
 * Protocol plugins and board drivers read these descriptions; nothing here changes at
 * run time.
 * @module
 */
import type { ValuePolicy } from "./policy/values.ts";

/**
 * The name of a resource kind (see `core/kind.ts`), as grants and commands name it. The kinds
 * in play are those the registered protocols contribute.
 */
export type ResourceKind = string;

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
   * How agents' value requests (a rate, a level, a cap: what the kind's commands set) combine
   * on this resource: the board's `policy` key, overridden by the deployment's
   * `[policy.<kind>]` table. Absent: the protocol's default.
   */
  policy?: ValuePolicy;
  /**
   * The platform keeps it on (deployment `[policy.keep_on]`): no agent's vote, nor every
   * agent letting go, turns it off.
   */
  kept?: boolean;
  /**
   * What the platform does when it finds the resource running at start-up with no restored
   * vote (nor a running resource it feeds) explaining it (deployment `[policy] found_running`):
   * keeps it on for its whole life (`keep`, also when absent) or only until an agent first
   * votes on it (`until-voted`). Read by the clock protocol.
   */
  foundRunning?: FoundRunning;
}

/** What the platform does with a resource found running at start-up; see `ResourceDesc`. */
export type FoundRunning = "keep" | "until-voted";

/** Values of `[policy] found_running`, the default first. */
export const FOUND_RUNNING = ["keep", "until-voted"] as const satisfies readonly FoundRunning[];

/** An SCMI device: a set of resources granted together (a UART = its clocks, resets, …). */
export interface DeviceDesc {
  /** Device id, as BASE_SET_DEVICE_PERMISSIONS names it. */
  id: number;
  /** Name from the board manifest. */
  name: string;
  /** Physical ids of its resources, by kind. */
  resources: { [kind: ResourceKind]: number[] | undefined };
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

/**
 * A board as the board manifest describes it: resources by kind, drivers and devices. Read a
 * kind's list through its definition (`clockKind.of(board)`), typed.
 */
export interface Board {
  /** Board name from `[board] name`. */
  name: string;
  /** Keys kinds add to the `[board]` table, by key, as checked. */
  settings: Record<string, unknown>;
  /** Driver instances it declares. */
  drivers: DriverDecl[];
  /** SCMI devices: resources granted together. */
  devices: DeviceDesc[];
  /** Every resource, by kind name; look one up by its `id`, not by its position. */
  resources: { [kind: ResourceKind]: ResourceDesc[] };
}

/** An empty board, for tests that build one resource class at a time. */
export function emptyBoard(name = "empty"): Board {
  return { name, settings: {}, drivers: [], devices: [], resources: {} };
}

/** Looks a resource up by physical id. */
export function findResource(
  board: Board,
  kind: ResourceKind,
  id: number,
): ResourceDesc | undefined {
  return board.resources[kind]?.find((r) => r.id === id);
}
