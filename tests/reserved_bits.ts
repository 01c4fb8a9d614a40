/**
 * The reserved bits of every attributes word vscmi answers, per protocol and per version, and
 * a walker that asks an agent's platform for every attributes reply of one protocol — over
 * every resource the agent sees, as discovery finds them — and reports each word that sets a
 * bit its version reserves. A reply must carry only the fields of the version the agent
 * negotiated (Linux reads some fields without checking the version, assuming the platform
 * left them zero).
 *
 * Masks restate the layouts of DEN0056 as summarised in `shared/reference/scmi.md` and the
 * plugins' wire modules; each array holds the reserved mask of each 32-bit word after the
 * status (0: nothing reserved; omitted words: nothing reserved). The flags word of the extended
 * NAME_GET replies, all reserved, is checked with them.
 * @module
 */

/** Reserved mask of each payload word of one reply. */
export type WordMasks = readonly number[];

/** The attributes replies of one protocol at one version. */
export interface VersionMasks {
  /** PROTOCOL_ATTRIBUTES. */
  readonly protocol: WordMasks;
  /**
   * PROTOCOL_MESSAGE_ATTRIBUTES by message id; a message not listed reserves every bit.
   */
  readonly message?: Readonly<Record<number, number>>;
  /** The per-resource attributes replies, by command name. */
  readonly resource?: Readonly<Record<string, WordMasks>>;
}

const ALL = 0xffff_ffff;

/** The flags word of every extended NAME_GET reply is reserved. */
const NAME_FLAGS: WordMasks = [ALL];

/** Bits 31:16 reserved, 15:0 a count: the PROTOCOL_ATTRIBUTES of most protocols. */
const COUNT16: WordMasks = [0xffff_0000];

/**
 * Sensor descriptor words (SENSOR_DESCRIPTION_GET): id, attributes_low, attributes_high; and
 * the count words of SENSOR_DESCRIPTION_GET and SENSOR_AXIS_DESCRIPTION_GET, the words of one
 * axis descriptor. Kept in {@linkcode VersionMasks.resource} under these names.
 */
export const SensorReply = {
  COUNT: "SENSOR_DESCRIPTION_GET num_sensor_flags",
  DESCRIPTOR: "SENSOR_DESCRIPTION_GET descriptor",
  AXIS_COUNT: "SENSOR_AXIS_DESCRIPTION_GET num_axis_flags",
  AXIS: "SENSOR_AXIS_DESCRIPTION_GET descriptor",
} as const;

const v = (major: number, minor = 0) => (major << 16) | minor;

/** Power domain: attributes 31 notify, 30 async, 29 sync; 3.0 adds 28 change-requested, 27 name. */
const power1: VersionMasks = {
  protocol: [0xffff_0000, 0, 0, 0],
  resource: { POWER_DOMAIN_ATTRIBUTES: [0x1fff_ffff] },
};
const power3: VersionMasks = {
  protocol: [0xffff_0000, 0, 0, 0],
  resource: { POWER_DOMAIN_ATTRIBUTES: [0x07ff_ffff], POWER_DOMAIN_NAME_GET: NAME_FLAGS },
};

/** System power: PROTOCOL_ATTRIBUTES all reserved; SET's message attributes 31 warm reset, 30 suspend. */
const system: VersionMasks = { protocol: [ALL], message: { 0x3: 0x3fff_ffff } };

/**
 * Performance: PROTOCOL_ATTRIBUTES 15:0 domains, 16 mW (1.0+), 17 µW (3.0+). Domain flags 31
 * limits, 30 level, 29/28 notifications (1.0+), 27 fast channels (2.0+), 26 extended name
 * (3.0+), 25 level indexing (4.0); rate_limit 19:0. From 2.0 the message attributes of
 * LIMITS_SET/GET and LEVEL_SET/GET have bit 0 (fast channel).
 */
const perfFast = { 0x5: 0xffff_fffe, 0x6: 0xffff_fffe, 0x7: 0xffff_fffe, 0x8: 0xffff_fffe };
const perf = (protocol: number, flags: number, fast: boolean, names: boolean): VersionMasks => ({
  protocol: [protocol, 0, 0, 0],
  message: fast ? perfFast : {},
  resource: {
    PERF_DOMAIN_ATTRIBUTES: [flags, 0xfff0_0000, 0, 0],
    ...(names ? { PERF_DOMAIN_NAME_GET: NAME_FLAGS } : {}),
  },
});

/**
 * Clock: PROTOCOL_ATTRIBUTES 15:0 clocks, 23:16 max async requests. CLOCK_ATTRIBUTES 0
 * enabled (1.0+); 31/30 notifications, 29 extended name (2.0+); 28 parents, 27 extended
 * configuration, 1 restricted (3.0). CLOCK_GET_PERMISSIONS (3.0) 31:29.
 */
const clock = (attributes: number, names: boolean, permissions?: number): VersionMasks => ({
  protocol: [0xff00_0000],
  resource: {
    CLOCK_ATTRIBUTES: [attributes],
    ...(names ? { CLOCK_NAME_GET: NAME_FLAGS } : {}),
    ...(permissions === undefined ? {} : { CLOCK_GET_PERMISSIONS: [permissions] }),
  },
});

/**
 * Sensor: PROTOCOL_ATTRIBUTES 15:0 sensors, 23:16 max pending async reads. Descriptor
 * attributes_low: 31 async, 7:0 trip points (1.0+); 30 continuous update, 14:10 timestamp
 * exponent, 9 timestamp, 8 extended attributes (2.0+); 29 extended name (3.0+).
 * attributes_high: 31:22 update interval (1.0 only), 15:11 scale, 7:0 type (1.0+); 21:16
 * axes, 8 axis support (2.0+). Description count: 11:0 returned, 31:16 remaining. Axis count
 * 5:0 returned, 31:26 remaining; axis attributes_low 8 extended attributes (2.0+), 9 extended
 * name (3.0+); axis attributes_high 15:11 scale, 7:0 type.
 */
const sensor = (low: number, high: number, axisLow?: number, names = false): VersionMasks => ({
  protocol: [0xff00_0000, 0, 0, 0],
  resource: {
    [SensorReply.COUNT]: [0x0000_f000],
    [SensorReply.DESCRIPTOR]: [0, low, high],
    ...(names ? { SENSOR_NAME_GET: NAME_FLAGS } : {}),
    ...(axisLow === undefined ? {} : {
      [SensorReply.AXIS_COUNT]: [0x03ff_ffc0],
      [SensorReply.AXIS]: [0, axisLow, 0xffff_0700],
    }),
  },
});

/** Reset: attributes 31 async, 30 notifications; 29 extended name from 3.0. */
const reset = (attributes: number, names: boolean): VersionMasks => ({
  protocol: COUNT16,
  resource: {
    RESET_DOMAIN_ATTRIBUTES: [attributes, 0],
    ...(names ? { RESET_DOMAIN_NAME_GET: NAME_FLAGS } : {}),
  },
});

/** Voltage: 1.0 reserves every attribute bit; 2.0 has 31 async level set, 30 extended name. */
const voltage = (attributes: number, names: boolean): VersionMasks => ({
  protocol: COUNT16,
  resource: {
    VOLTAGE_DOMAIN_ATTRIBUTES: [attributes],
    ...(names ? { VOLTAGE_DOMAIN_NAME_GET: NAME_FLAGS } : {}),
  },
});

/**
 * Powercap: attributes 31:22 (notifications, async, extended name, configurable, monitoring,
 * PAI configurable, power unit 24:23, fast channels); message attributes of CAP_GET/SET and
 * PAI_GET/SET bit 0 (fast channel).
 */
const powercap: VersionMasks = {
  protocol: COUNT16,
  message: { 0x4: 0xffff_fffe, 0x5: 0xffff_fffe, 0x6: 0xffff_fffe, 0x7: 0xffff_fffe },
  resource: { POWERCAP_DOMAIN_ATTRIBUTES: [0x003f_ffff], POWERCAP_DOMAIN_NAME_GET: NAME_FLAGS },
};

/**
 * Pin control 1.0: attributes_low 31:16 groups, 15:0 pins; attributes_high 15:0 functions.
 * PINCTRL_ATTRIBUTES: 31 extended name, 17 GPIO function, 16 pin-only function (as the plugin
 * lays them out), 15:0 elements.
 */
const pinctrl: VersionMasks = {
  protocol: [0, 0xffff_0000],
  resource: { PINCTRL_ATTRIBUTES: [0x7ffc_0000], PINCTRL_NAME_GET: NAME_FLAGS },
};

/** Protocol id → version → its masks. Every version a built-in offers must be here. */
export const RESERVED_BITS: Readonly<Record<number, Readonly<Record<number, VersionMasks>>>> = {
  // Base: u8 num_protocols, u8 num_agents, u16 reserved.
  0x10: {
    [v(1)]: { protocol: COUNT16 },
    [v(2)]: { protocol: COUNT16 },
    [v(2, 1)]: { protocol: COUNT16 },
  },
  0x11: { [v(1)]: power1, [v(2)]: power1, [v(3)]: power3, [v(3, 1)]: power3 },
  0x12: { [v(1)]: system, [v(2)]: system, [v(2, 1)]: system },
  0x13: {
    [v(1)]: perf(0xfffe_0000, 0x0fff_ffff, false, false),
    [v(2)]: perf(0xfffe_0000, 0x07ff_ffff, true, false),
    [v(3)]: perf(0xfffc_0000, 0x03ff_ffff, true, true),
    [v(4)]: perf(0xfffc_0000, 0x01ff_ffff, true, true),
  },
  0x14: {
    [v(1)]: clock(0xffff_fffe, false),
    [v(2)]: clock(0x1fff_fffe, true),
    [v(3)]: clock(0x07ff_fffc, true, 0x1fff_ffff),
  },
  0x15: {
    [v(1)]: sensor(0x7fff_ff00, 0x003f_0700),
    [v(2)]: sensor(0x3fff_8000, 0xffc0_0600, 0xffff_feff),
    [v(3)]: sensor(0x1fff_8000, 0xffc0_0600, 0xffff_fcff, true),
    [v(3, 1)]: sensor(0x1fff_8000, 0xffc0_0600, 0xffff_fcff, true),
  },
  0x16: {
    [v(1)]: reset(0x3fff_ffff, false),
    [v(2)]: reset(0x3fff_ffff, false),
    [v(3)]: reset(0x1fff_ffff, true),
    [v(3, 1)]: reset(0x1fff_ffff, true),
  },
  0x17: {
    [v(1)]: voltage(ALL, false),
    [v(2)]: voltage(0x3fff_ffff, true),
    [v(2, 1)]: voltage(0x3fff_ffff, true),
  },
  0x18: { [v(1)]: powercap, [v(2)]: powercap },
  0x19: { [v(1)]: pinctrl },
};

/** Message ids of the per-resource commands walked, by name. */
const RESOURCE_COMMANDS: Readonly<Record<string, number>> = {
  POWER_DOMAIN_ATTRIBUTES: 0x3,
  POWER_DOMAIN_NAME_GET: 0x8,
  PERF_DOMAIN_ATTRIBUTES: 0x3,
  PERF_DOMAIN_NAME_GET: 0xc,
  CLOCK_ATTRIBUTES: 0x3,
  CLOCK_NAME_GET: 0x8,
  CLOCK_GET_PERMISSIONS: 0xf,
  SENSOR_NAME_GET: 0xc,
  RESET_DOMAIN_ATTRIBUTES: 0x3,
  RESET_DOMAIN_NAME_GET: 0x6,
  VOLTAGE_DOMAIN_ATTRIBUTES: 0x3,
  VOLTAGE_DOMAIN_NAME_GET: 0x9,
  POWERCAP_DOMAIN_ATTRIBUTES: 0x3,
  POWERCAP_DOMAIN_NAME_GET: 0x8,
  PINCTRL_ATTRIBUTES: 0x3,
  PINCTRL_NAME_GET: 0x9,
};

/** A command's answer: its status and the 32-bit words after it. */
export interface Answer {
  status: number;
  words: number[];
}

/** Sends one command of `protocol` as the agent under test. */
export type Caller = (protocol: number, message: number, params: number[]) => Promise<Answer>;

/** What {@linkcode reservedViolations} found. */
export interface Walk {
  /**
   * Every reply word that sets reserved bits, as text naming the reply, the resource, the
   * word and the bits; empty when every reply is clean.
   */
  violations: string[];
  /** How many resources each per-resource reply was read for. */
  walked: Record<string, number>;
}

/**
 * Reads every attributes reply of `protocol` at `version` — PROTOCOL_ATTRIBUTES, the message
 * attributes of every message the agent has, and the attributes of every resource discovery
 * shows it — and checks them against {@linkcode RESERVED_BITS}. The agent must already speak
 * `version`. Throws when a discovery command fails.
 */
export async function reservedViolations(
  call: Caller,
  protocol: number,
  version: number,
): Promise<Walk> {
  const masks = RESERVED_BITS[protocol]?.[version];
  if (masks === undefined) {
    throw new Error(
      `No reserved-bit masks for protocol 0x${protocol.toString(16)} ${hex(version)}`,
    );
  }
  const found: string[] = [];
  const walked: Record<string, number> = {};
  const ask = async (message: number, params: number[], what: string) => {
    const a = await call(protocol, message, params);
    if (a.status !== 0) throw new Error(`${what} answered status ${a.status}`);
    return a.words;
  };
  const check = (what: string, words: readonly number[], m: WordMasks, from = 0) => {
    m.forEach((mask, i) => {
      const word = words[from + i];
      if (word === undefined) {
        found.push(`${what}: word ${i} missing`);
      } else if ((word & mask) !== 0) {
        found.push(`${what}: word ${i} = ${hex(word)} sets reserved bits ${hex(word & mask)}`);
      }
    });
  };
  const prefix = `protocol 0x${protocol.toString(16)} version ${hex(version)}`;

  const attrs = await ask(0x1, [], "PROTOCOL_ATTRIBUTES");
  check(`${prefix} PROTOCOL_ATTRIBUTES`, attrs, masks.protocol);
  for (let id = 0; id <= 0xff; id++) {
    const a = await call(protocol, 0x2, [id]);
    if (a.status !== 0) continue;
    const mask = masks.message?.[id] ?? ALL;
    check(`${prefix} PROTOCOL_MESSAGE_ATTRIBUTES(0x${id.toString(16)})`, a.words, [mask]);
  }

  const each = async (name: string, count: number, params: (id: number) => number[]) => {
    const m = masks.resource?.[name];
    if (m === undefined) return;
    for (let id = 0; id < count; id++) {
      const what = `${prefix} ${name}(${params(id).join(", ")})`;
      check(what, await ask(RESOURCE_COMMANDS[name], params(id), what), m);
      walked[name] = (walked[name] ?? 0) + 1;
    }
  };
  const count16 = attrs[0] & 0xffff;
  if (protocol === 0x19) {
    for (const name of ["PINCTRL_ATTRIBUTES", "PINCTRL_NAME_GET"]) {
      await each(name, count16, (id) => [id, 0]);
      await each(name, attrs[0] >>> 16, (id) => [id, 1]);
      await each(name, attrs[1] & 0xffff, (id) => [id, 2]);
    }
  } else if (protocol === 0x15) {
    const sensors = await walkSensors(ask, check, masks, prefix, version, walked);
    await each("SENSOR_NAME_GET", sensors, (id) => [id]);
  } else {
    for (const name of Object.keys(masks.resource ?? {})) await each(name, count16, (id) => [id]);
  }
  return { violations: found, walked };
}

type Ask = (message: number, params: number[], what: string) => Promise<number[]>;
type Check = (what: string, words: readonly number[], m: WordMasks, from?: number) => void;

/**
 * Pages through SENSOR_DESCRIPTION_GET, and from 2.0 through SENSOR_AXIS_DESCRIPTION_GET of
 * every sensor with axes, checking the count words and each descriptor's attributes. Returns
 * the number of sensors described.
 */
async function walkSensors(
  ask: Ask,
  check: Check,
  masks: VersionMasks,
  prefix: string,
  version: number,
  walked: Record<string, number>,
): Promise<number> {
  const r = masks.resource!;
  const v2 = version >= v(2);
  const withAxes: number[] = [];
  for (let index = 0;;) {
    const what = `${prefix} SENSOR_DESCRIPTION_GET(${index})`;
    const words = await ask(0x3, [index], what);
    check(what, words, r[SensorReply.COUNT]);
    const returned = words[0] & 0xfff;
    let at = 1;
    for (let i = 0; i < returned; i++) {
      const low = words[at + 1];
      const high = words[at + 2];
      check(`${what} sensor ${words[at]}`, words, r[SensorReply.DESCRIPTOR], at);
      walked[SensorReply.DESCRIPTOR] = (walked[SensorReply.DESCRIPTOR] ?? 0) + 1;
      if (v2 && (high & 0x100) !== 0) withAxes.push(words[at]);
      // 28 bytes; from 2.0 with extended attributes 4 more, and 20 more for a scalar sensor.
      at += 7 + (v2 && (low & 0x100) !== 0 ? ((high & 0x100) !== 0 ? 1 : 6) : 0);
    }
    index += returned;
    if (words[0] >>> 16 === 0 || returned === 0) break;
  }
  const sensors = walked[SensorReply.DESCRIPTOR] ?? 0;
  for (const id of withAxes) {
    for (let index = 0;;) {
      const what = `${prefix} SENSOR_AXIS_DESCRIPTION_GET(${id}, ${index})`;
      const words = await ask(0x7, [id, index], what);
      check(what, words, r[SensorReply.AXIS_COUNT]);
      const returned = words[0] & 0x3f;
      let at = 1;
      for (let i = 0; i < returned; i++) {
        const low = words[at + 1];
        check(`${what} axis ${words[at]}`, words, r[SensorReply.AXIS], at);
        walked[SensorReply.AXIS] = (walked[SensorReply.AXIS] ?? 0) + 1;
        at += 7 + ((low & 0x100) !== 0 ? 5 : 0);
      }
      index += returned;
      if (words[0] >>> 26 === 0 || returned === 0) break;
    }
  }
  return sensors;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}
