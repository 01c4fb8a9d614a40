/**
 * The grant table: per agent, the protocols it may use and, per resource kind, the
 * resources it may see — in the agent's own dense id space (virtual ids), with the rights it
 * holds on each. Every visibility and permission answer in the server comes from here.
 * @module
 */
import type { ResourceKind } from "./board.ts";
import { definedKinds, kindNamed } from "./kind.ts";
import { Right } from "./protocol.ts";

/** Full rights on a resource. */
export const ALL_RIGHTS = Right.READ | Right.WRITE;

/**
 * What one agent may set a resource's value to (in the unit of the resource's kind), checked by the dispatcher before any handler runs
 * (see `CommandDef.value`): a value below `min` or above `max` → OUT_OF_RANGE; with
 * `values`, a value not among them → DENIED. Frozen once built.
 */
export interface Bounds {
  /** Lowest value the agent may set. */
  readonly min?: number;
  /** Highest value the agent may set. */
  readonly max?: number;
  /** The only values allowed (ascending). */
  readonly values?: readonly number[];
}

/** Bits of {@linkcode IdMap.slots} below the physical id. */
export const SLOT_SHIFT = 3;
/** The rights bits of a slot. */
export const SLOT_RIGHTS = 3;
/** The slot bit saying the agent's values on the resource are bounded. */
export const SLOT_BOUNDED = 4;
/** Physical ids a slot holds: small integers, one array element. */
const MAX_SLOT_PHYS = 1 << (30 - SLOT_SHIFT);

/**
 * One agent's view of one resource kind: virtual id → physical id, and back.
 * A revoked resource leaves a hole (-1) so other virtual ids never move under a running guest.
 */
export class IdMap {
  /** Virtual id → physical id, or -1 for a hole. */
  readonly v2p: number[] = [];
  /** Virtual id → rights bits. */
  readonly rights: number[] = [];
  /** Virtual id → the name this agent sees, when it differs from the board's. */
  readonly names: (string | undefined)[] = [];
  /** Virtual id → the values this agent may set, when the deployment bounds them. */
  readonly bounds: (Bounds | undefined)[] = [];
  /**
   * Virtual id → what the dispatcher checks per message, packed into one small integer so a
   * lookup touches one array, however many agents share the cache: `phys << SLOT_SHIFT`, plus
   * {@linkcode SLOT_BOUNDED} when `bounds` has an entry, plus the rights bits; -1 for a hole.
   * Derived from the arrays above by `grant`, `revoke` and `copyFrom`.
   */
  readonly slots: number[] = [];
  readonly #p2v = new Map<number, number>();

  /**
   * An empty view of `kind`: no resource visible.
   *
   * @param kind The resource kind the map's ids are of.
   */
  constructor(readonly kind: ResourceKind) {}

  /** Number of virtual ids, holes included (what PROTOCOL_ATTRIBUTES reports). */
  get count(): number {
    return this.v2p.length;
  }

  /**
   * Grants `phys` at virtual id `virt` (default: the next free id), seen as `name` and
   * limited to `bounds` when given. Throws RangeError when the virtual id is taken or the
   * physical resource is already mapped at another. Granting a resource already mapped adds
   * `rights` to those it has and keeps its name and bounds unless new ones are given.
   */
  grant(
    phys: number,
    rights: number = ALL_RIGHTS,
    virt?: number,
    name?: string,
    bounds?: Bounds,
  ): number {
    const existing = this.#p2v.get(phys);
    if (existing !== undefined) {
      if (virt !== undefined && virt !== existing) {
        throw new RangeError(`${this.kind} ${phys} is already visible as virtual id ${existing}`);
      }
      this.rights[existing] |= rights;
      if (name !== undefined) this.names[existing] = name;
      if (bounds !== undefined) this.bounds[existing] = bounds;
      this.#pack(existing);
      return existing;
    }
    const v = virt ?? this.v2p.length;
    if (v < this.v2p.length && this.v2p[v] !== -1) {
      throw new RangeError(`${this.kind} virtual id ${v} is already taken`);
    }
    while (this.v2p.length <= v) {
      this.v2p.push(-1);
      this.rights.push(0);
      this.names.push(undefined);
      this.bounds.push(undefined);
      this.slots.push(-1);
    }
    this.v2p[v] = phys;
    this.rights[v] = rights;
    this.names[v] = name;
    this.bounds[v] = bounds;
    this.#p2v.set(phys, v);
    this.#pack(v);
    return v;
  }

  /** Withdraws `phys`; returns the virtual id it had, or -1 if it was not visible. */
  revoke(phys: number): number {
    const v = this.#p2v.get(phys);
    if (v === undefined) return -1;
    this.#p2v.delete(phys);
    this.v2p[v] = -1;
    this.rights[v] = 0;
    this.names[v] = undefined;
    this.bounds[v] = undefined;
    this.slots[v] = -1;
    return v;
  }

  /** Derives `slots[v]` from the other arrays. */
  #pack(v: number): void {
    const phys = this.v2p[v];
    if (phys < 0 || phys >= MAX_SLOT_PHYS) {
      throw new RangeError(`${this.kind} physical id ${phys} is beyond ${MAX_SLOT_PHYS - 1}`);
    }
    this.slots[v] = phys * (1 << SLOT_SHIFT) + (this.bounds[v] === undefined ? 0 : SLOT_BOUNDED) +
      (this.rights[v] & SLOT_RIGHTS);
  }

  /** Physical id behind virtual id `v`, or -1 when the agent cannot see it. */
  toPhysical(v: number): number {
    return v < this.v2p.length ? this.v2p[v] : -1;
  }

  /** Virtual id of physical `p` for this agent, or -1 when the agent cannot see it. */
  toVirtual(p: number): number {
    return this.#p2v.get(p) ?? -1;
  }

  /** Whether the agent can see physical `phys` of this kind. */
  has(phys: number): boolean {
    return this.#p2v.has(phys);
  }

  /** Physical ids visible, in virtual-id order. */
  *physical(): IterableIterator<number> {
    for (const p of this.v2p) if (p >= 0) yield p;
  }

  /** Makes this map an exact copy of `other` (same kind, or the empty map), in place. */
  copyFrom(other: IdMap): void {
    if (other.kind !== this.kind && other !== EMPTY) {
      throw new TypeError(`Cannot copy a ${other.kind} map into a ${this.kind} map`);
    }
    this.v2p.length = 0;
    this.rights.length = 0;
    this.names.length = 0;
    this.bounds.length = 0;
    this.slots.length = 0;
    this.#p2v.clear();
    this.v2p.push(...other.v2p);
    this.rights.push(...other.rights);
    this.names.push(...other.names);
    this.bounds.push(...other.bounds);
    this.slots.push(...other.slots);
    this.v2p.forEach((p, v) => {
      if (p >= 0) this.#p2v.set(p, v);
    });
  }
}

/**
 * The slot of `kind` in {@linkcode Grants.byKind}, fixed when the kind was defined; -1 for a
 * name no kind has.
 */
export function kindIndex(kind: ResourceKind): number {
  return kindNamed(kind)?.slot ?? -1;
}

/** Per-agent protocol grant: an optional version the deployment pins the agent to. */
export interface ProtocolGrant {
  /** Highest version this agent is offered, `(major << 16) | minor`. */
  pin?: number;
}

/** One agent's grants. */
export class Grants {
  /** Protocol id → grant. Base (0x10) is always present. */
  readonly protocols: Map<number, ProtocolGrant> = new Map([[0x10, {}]]);
  /** SCMI device ids granted as a whole. */
  readonly devices: Set<number> = new Set();
  /**
   * Device id → protocol ids the agent may not use on that device
   * (BASE_SET_PROTOCOL_PERMISSIONS): the device's resources of the kinds those protocols
   * carry stay hidden even while the device is granted. See `core/permissions.ts`.
   */
  readonly deniedProtocols: Map<number, Set<number>> = new Map();
  /** Per kind name: the agent's view (virtual id → physical id, rights, names, bounds). */
  readonly maps: Readonly<Record<ResourceKind, IdMap>> = {};
  /**
   * The same maps indexed by each kind's slot (see {@linkcode kindIndex}): the dispatcher's
   * per-message lookup, an array read instead of a property looked up by a string key.
   */
  readonly byKind: IdMap[] = [];

  /** Empty grants, with an empty view of every kind defined so far. */
  constructor() {
    for (const k of definedKinds()) this.map(k.name);
  }

  /**
   * The view of `kind`, made empty when these grants have none yet (a kind defined after
   * they were made).
   *
   * @param kind A kind name.
   * @returns Its map.
   */
  map(kind: ResourceKind): IdMap {
    const had = this.maps[kind];
    if (had) return had;
    const m = new IdMap(kind);
    (this.maps as Record<ResourceKind, IdMap>)[kind] = m;
    const slot = kindIndex(kind);
    if (slot >= 0) {
      while (this.byKind.length <= slot) this.byKind.push(EMPTY);
      this.byKind[slot] = m;
    }
    return m;
  }

  /** Protocol ids visible to the agent, Base excluded, ascending. */
  protocolList(): number[] {
    return [...this.protocols.keys()].filter((p) => p !== 0x10).sort((a, b) => a - b);
  }

  /** A deep copy, e.g. the deployment's grants kept to revert to. */
  clone(): Grants {
    const g = new Grants();
    g.copyFrom(this);
    return g;
  }

  /** Makes these grants an exact copy of `other`, in place (the maps keep their identity). */
  copyFrom(other: Grants): void {
    this.protocols.clear();
    for (const [p, grant] of other.protocols) this.protocols.set(p, { ...grant });
    this.devices.clear();
    for (const d of other.devices) this.devices.add(d);
    this.deniedProtocols.clear();
    for (const [d, set] of other.deniedProtocols) this.deniedProtocols.set(d, new Set(set));
    for (const k of Object.keys(other.maps)) this.map(k).copyFrom(other.maps[k]);
    for (const k of Object.keys(this.maps)) if (!other.maps[k]) this.maps[k].copyFrom(EMPTY);
  }
}

/** A map with nothing visible, for slots of kinds these grants have no view of. */
const EMPTY = new IdMap("");
