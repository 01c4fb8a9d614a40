/**
 * `vscmi call pinctrl …`: the Pin control protocol (0x19, DEN0056E §4.11) from the agent's
 * side, the way Linux's `pinctrl.c` uses it: PROTOCOL_ATTRIBUTES, PINCTRL_ATTRIBUTES (and
 * PINCTRL_NAME_GET) per pin, group and function, PINCTRL_LIST_ASSOCIATIONS pages, settings
 * read with PINCTRL_SETTINGS_GET and written with PINCTRL_SETTINGS_CONFIGURE in chunks that
 * fit the message size, and pins or groups requested and released.
 * @module
 */
import {
  type CallContext,
  type CallResult,
  type CallVerbs,
  commonCommands,
  CommonMsg,
  count,
  DecodeError,
  longName,
  parseU32,
  resolveId,
  StatusError,
  table,
  UsageError,
} from "../../client/mod.ts";
import { NO_FUNCTION_ID, PinctrlAttr, PinctrlMsg } from "./msg.ts";

export { PinctrlMsg } from "./msg.ts";

/** What an identifier names (the selector field of the flags). */
export type Kind = "pin" | "group" | "function";
const SELECTOR: Readonly<Record<Kind, number>> = { pin: 0, group: 1, function: 2 };

/** PINCTRL_SETTINGS_GET / _CONFIGURE "no function". */
export const NO_FUNCTION = NO_FUNCTION_ID;

/** Most configurations one PINCTRL_SETTINGS_CONFIGURE carries: (128 − 12) / 8, as Linux. */
export const CONFIGS_PER_MESSAGE = 14;

/** Configuration type names (DEN0056E pin configuration types 0–20); 192–255 are OEM. */
export const CONFIG_TYPES: readonly string[] = [
  "default",
  "bias-bus-hold",
  "bias-disable",
  "bias-high-impedance",
  "bias-pull-up",
  "bias-pull-default",
  "bias-pull-down",
  "drive-open-drain",
  "drive-open-source",
  "drive-push-pull",
  "drive-strength",
  "input-debounce",
  "input-mode",
  "pull-mode",
  "input-value",
  "input-schmitt",
  "low-power-mode",
  "output-mode",
  "output-value",
  "power-source",
  "slew-rate",
];

/** A configuration type's name: "bias-pull-up", "oem-200", "reserved-30". */
export function configName(type: number): string {
  return CONFIG_TYPES[type] ?? (type >= 192 && type <= 255 ? `oem-${type}` : `reserved-${type}`);
}

/** A configuration type from a name (kebab or snake case, or `oem-N`) or a number 0–255. */
export function parseConfigType(text: string): number {
  const t = text.trim().toLowerCase().replaceAll("_", "-");
  const i = CONFIG_TYPES.indexOf(t);
  if (i >= 0) return i;
  const oem = /^oem-(\d+)$/.exec(t);
  const v = oem ? Number(oem[1]) : /^(0x[0-9a-f]+|\d+)$/.test(t) ? parseU32(t, "TYPE") : NaN;
  if (!(v >= 0 && v <= 0xff) || (oem && v < 192)) {
    throw new UsageError(
      `Unknown configuration type "${text}": give a name (${
        CONFIG_TYPES.slice(1, 5).join(", ")
      }, …), oem-192 … oem-255, or a number 0–255`,
    );
  }
  return v;
}

/** `TYPE=VALUE` pairs as flat [type, value, …]. */
export function parseConfigs(args: readonly string[]): number[] {
  const out: number[] = [];
  for (const a of args) {
    const m = /^([^=]+)=(.+)$/.exec(a);
    if (!m) throw new UsageError(`Configurations are TYPE=VALUE, e.g. bias-pull-up=1, got "${a}"`);
    out.push(parseConfigType(m[1]), parseU32(m[2], `Value of ${m[1]}`));
  }
  return out;
}

function parseKind(text: string, allowed: readonly Kind[]): Kind {
  if ((allowed as readonly string[]).includes(text)) return text as Kind;
  throw new UsageError(`Say ${allowed.join(", ").replace(/, ([^,]+)$/, " or $1")}, got "${text}"`);
}

/** PROTOCOL_ATTRIBUTES. p2a: u32 (31:16 groups, 15:0 pins), u32 (15:0 functions). */
export async function pinctrlCounts(ctx: CallContext): Promise<Record<Kind, number>> {
  const p = await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES);
  const low = p.u32();
  const high = p.u32();
  return { pin: low & 0xffff, group: low >>> 16, function: high & 0xffff };
}

/** A pin, group or function as PINCTRL_ATTRIBUTES (and NAME_GET) describe it. */
export interface Element {
  kind: Kind;
  id: number;
  name: string;
  /** Pins of a group, groups (or pins) of a function; 1 for a pin. */
  elements: number;
  gpio: boolean;
  pinOnly: boolean;
}

/**
 * PINCTRL_ATTRIBUTES. a2p: u32 identifier, u32 flags (bits 1:0 selector). p2a: u32
 * attributes (bit 31 extended name; for functions bit 17 GPIO, bit 16 pin-only; bits 15:0
 * number of elements), char name[16]. PINCTRL_NAME_GET (same a2p; p2a: u32 flags, char
 * name[64]) replaces a flagged name; on failure the short one stays, as in Linux.
 */
export async function pinctrlElement(ctx: CallContext, kind: Kind, id: number): Promise<Element> {
  const p = await ctx.call(PinctrlMsg.PINCTRL_ATTRIBUTES, [id, SELECTOR[kind]]);
  const a = p.u32();
  let name = p.name(16);
  if (a & PinctrlAttr.EXTENDED_NAME) {
    const params = [id, SELECTOR[kind]];
    name = await longName(ctx, PinctrlMsg.PINCTRL_NAME_GET, params, "PINCTRL_NAME_GET", name);
  }
  return {
    kind,
    id,
    name,
    elements: a & 0xffff,
    gpio: kind === "function" && (a & PinctrlAttr.GPIO_FUNCTION) !== 0,
    pinOnly: kind === "function" && (a & PinctrlAttr.PIN_ONLY_FUNCTION) !== 0,
  };
}

/**
 * The members of a group (pins) or function (groups, or pins when pin-only), page by page.
 * PINCTRL_LIST_ASSOCIATIONS a2p: u32 identifier, u32 flags (selector), u32 index. p2a: u32
 * flags (bits 31:16 remaining, 11:0 returned), then u16 ids padded to a word.
 */
export async function pinctrlAssociations(
  ctx: CallContext,
  kind: Kind,
  id: number,
): Promise<number[]> {
  const out: number[] = [];
  let total = -1;
  for (;;) {
    const p = await ctx.call(PinctrlMsg.PINCTRL_LIST_ASSOCIATIONS, [
      id,
      SELECTOR[kind],
      out.length,
    ]);
    const flags = p.u32();
    const n = flags & 0xfff;
    const left = flags >>> 16;
    if (total < 0) total = n + left;
    if (out.length + n > total || (n === 0 && left > 0)) {
      throw new DecodeError(
        `PINCTRL_LIST_ASSOCIATIONS returned ${n} ids at index ${out.length} of ${total}`,
      );
    }
    const ids = p.take(2 * n);
    for (let i = 0; i < n; i++) out.push(ids[2 * i] | (ids[2 * i + 1] << 8));
    if (left === 0) return out;
  }
}

/** What PINCTRL_SETTINGS_GET reports for a pin or group. */
export interface Settings {
  /** The function selected, or undefined for none. */
  function?: number;
  configs: { type: number; value: number }[];
}

/**
 * Every configuration of a pin or group, page by page. PINCTRL_SETTINGS_GET a2p: u32
 * identifier, u32 attributes (bits 19:18 config flag 1 = all, 17:16 selector, 15:8 skip).
 * p2a: u32 function_selected (0xFFFFFFFF none), u32 num_configs (bits 7:0 returned, 31:24
 * remaining), then {u32 type, u32 value} pairs.
 */
export async function pinctrlSettings(
  ctx: CallContext,
  kind: Kind,
  id: number,
): Promise<Settings> {
  const configs: { type: number; value: number }[] = [];
  let fn = NO_FUNCTION;
  for (;;) {
    const attrs = (1 << 18) | (SELECTOR[kind] << 16) | ((configs.length & 0xff) << 8);
    const p = await ctx.call(PinctrlMsg.PINCTRL_SETTINGS_GET, [id, attrs]);
    fn = p.u32();
    const head = p.u32();
    const n = head & 0xff;
    const left = head >>> 24;
    if ((n === 0 && left > 0) || configs.length + n > 0xff + 1) {
      throw new DecodeError(
        `PINCTRL_SETTINGS_GET returned ${n} configurations with ${left} remaining`,
      );
    }
    for (let i = 0; i < n; i++) configs.push({ type: p.u32() & 0xff, value: p.u32() });
    if (left === 0) break;
  }
  return { function: fn === NO_FUNCTION ? undefined : fn, configs };
}

/**
 * PINCTRL_SETTINGS_CONFIGURE a2p: u32 identifier, u32 function_id, u32 attributes (bits 1:0
 * selector, 9:2 number of configurations, bit 10 function_id valid), then {u32 type, u32
 * value} pairs. Configurations go in chunks of {@linkcode CONFIGS_PER_MESSAGE}; a function
 * rides with the first. Resolves to the number of messages sent.
 */
export async function pinctrlConfigure(
  ctx: CallContext,
  kind: Kind,
  id: number,
  pairs: readonly number[],
  fn?: number,
): Promise<number> {
  const total = pairs.length / 2;
  let sent = 0;
  let at = 0;
  do {
    const n = Math.min(CONFIGS_PER_MESSAGE, total - at);
    const withFn = sent === 0 && fn !== undefined;
    const attrs = SELECTOR[kind] | (n << 2) | (withFn ? 0x400 : 0);
    await ctx.call(PinctrlMsg.PINCTRL_SETTINGS_CONFIGURE, [
      id,
      withFn ? fn : NO_FUNCTION,
      attrs,
      ...pairs.slice(2 * at, 2 * (at + n)),
    ]);
    at += n;
    sent++;
  } while (at < total);
  return sent;
}

/** Names of every element of `kind`, by id (undefined for ids the platform refused). */
async function namesOf(ctx: CallContext, kind: Kind): Promise<(string | undefined)[]> {
  const n = (await pinctrlCounts(ctx))[kind];
  const names: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    try {
      names.push((await pinctrlElement(ctx, kind, i)).name);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      names.push(undefined);
    }
  }
  return names;
}

function elementId(ctx: CallContext, kind: Kind, text: string): Promise<number> {
  return resolveId(text, kind, () => namesOf(ctx, kind));
}

/** "pa0 (0)" when the name is known. */
function named(names: readonly (string | undefined)[], id: number): string {
  return names[id] === undefined ? String(id) : `${names[id]} (${id})`;
}

const KINDS: readonly Kind[] = ["pin", "group", "function"];
const PLURAL: Readonly<Record<string, Kind>> = {
  pins: "pin",
  groups: "group",
  functions: "function",
};

async function requestRelease(
  ctx: CallContext,
  msg: number,
  kindText: string,
  which: string,
): Promise<CallResult> {
  const kind = parseKind(kindText, ["pin", "group"]);
  const id = await elementId(ctx, kind, which);
  await ctx.call(msg, [id, SELECTOR[kind]]);
  return { text: "ok", json: { ok: true, [kind]: id } };
}

export const pinctrlCall: CallVerbs = {
  summary: "Pin control: pins, groups, functions, settings",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      args: "[pins|groups|functions]",
      arity: [0, 1],
      summary: "Pins, groups and functions with their members",
      help: "PROTOCOL_ATTRIBUTES, PINCTRL_ATTRIBUTES (and PINCTRL_NAME_GET) for each element,\n" +
        "and PINCTRL_LIST_ASSOCIATIONS for the pins of groups and groups of functions.",
      message: PinctrlMsg.PINCTRL_ATTRIBUTES,
      async run(ctx, [which]) {
        const only = which === undefined ? undefined : PLURAL[which];
        if (which !== undefined && only === undefined) {
          throw new UsageError(`Say pins, groups or functions, got "${which}"`);
        }
        const kinds = only === undefined ? KINDS : [only];
        const counts = await pinctrlCounts(ctx);
        // Every element's name, for members shown by name.
        const all: Record<Kind, Element[]> = { pin: [], group: [], function: [] };
        for (const k of KINDS) {
          for (let i = 0; i < counts[k]; i++) all[k].push(await pinctrlElement(ctx, k, i));
        }
        const names = (k: Kind) => all[k].map((e) => e.name);
        const parts: string[] = [
          `${count(counts.pin, "pin")}, ${count(counts.group, "group")}, ${
            count(counts.function, "function")
          }`,
        ];
        const json: Record<string, unknown> = { counts };
        // What Linux's pinctrl driver refuses: no pins at all, a group with no pins.
        const notes: string[] = [];
        if (counts.pin === 0) notes.push("Linux would refuse the protocol: it reports no pins");
        for (const k of kinds) {
          const rows: string[][] = [];
          const items: unknown[] = [];
          for (const e of all[k]) {
            if (k === "pin") {
              rows.push([String(e.id), e.name]);
              items.push(e);
              continue;
            }
            const members = await pinctrlAssociations(ctx, k, e.id);
            if (k === "group" && members.length === 0) {
              notes.push(`group ${e.id} ("${e.name}"): Linux would refuse it: it has no pins`);
            }
            const of: Kind = k === "group" || e.pinOnly ? "pin" : "group";
            const flags = [e.gpio ? "gpio" : "", e.pinOnly ? "pin-only" : ""].filter(Boolean);
            rows.push([
              String(e.id),
              e.name,
              members.map((m) => names(of)[m] ?? String(m)).join(","),
              flags.join(","),
            ]);
            items.push({ ...e, members });
          }
          parts.push(`${k}s:`, rows.length ? table(rows, "  ") : "  (none)");
          json[`${k}s`] = items;
        }
        return { text: [...parts, ...notes].join("\n"), json: { ...json, notes } };
      },
    },
    {
      name: "info",
      args: "pin|group|function ID",
      arity: [2, 2],
      summary: "One pin, group or function: name, flags and members",
      help: "ID is an id or a name. PINCTRL_ATTRIBUTES, then PINCTRL_LIST_ASSOCIATIONS for\n" +
        "groups and functions.",
      message: PinctrlMsg.PINCTRL_ATTRIBUTES,
      async run(ctx, [kindText, which]) {
        const kind = parseKind(kindText, KINDS);
        const id = await elementId(ctx, kind, which);
        const e = await pinctrlElement(ctx, kind, id);
        const rows = [["name", e.name], ["elements", String(e.elements)]];
        let members: number[] | undefined;
        if (kind !== "pin") {
          members = await pinctrlAssociations(ctx, kind, id);
          const of: Kind = kind === "group" || e.pinOnly ? "pin" : "group";
          const names = await namesOf(ctx, of);
          rows.push([`${of}s`, members.map((m) => named(names, m)).join(", ") || "(none)"]);
        }
        if (e.gpio) rows.push(["gpio", "yes"]);
        if (e.pinOnly) rows.push(["pin-only", "yes"]);
        return { text: table(rows), json: { ...e, members } };
      },
    },
    {
      name: "associations",
      args: "group|function ID",
      arity: [2, 2],
      summary: "The pins of a group, or the groups of a function",
      help: "Pages through PINCTRL_LIST_ASSOCIATIONS (a2p: u32 identifier, u32 flags, u32\n" +
        "index; p2a: u32 flags (31:16 remaining, 11:0 returned), u16 ids padded to a word).",
      message: PinctrlMsg.PINCTRL_LIST_ASSOCIATIONS,
      async run(ctx, [kindText, which]) {
        const kind = parseKind(kindText, ["group", "function"]);
        const id = await elementId(ctx, kind, which);
        const e = await pinctrlElement(ctx, kind, id);
        const members = await pinctrlAssociations(ctx, kind, id);
        const of: Kind = kind === "group" || e.pinOnly ? "pin" : "group";
        const names = await namesOf(ctx, of);
        return {
          text: members.length ? members.map((m) => named(names, m)).join("\n") : "(none)",
          json: { [kind]: id, of: `${of}s`, members },
        };
      },
    },
    {
      name: "settings",
      args: "pin|group ID",
      arity: [2, 2],
      summary: "The function selected and every configuration of a pin or group",
      help: "Pages through PINCTRL_SETTINGS_GET with config flag 1 (all configurations).",
      message: PinctrlMsg.PINCTRL_SETTINGS_GET,
      async run(ctx, [kindText, which]) {
        const kind = parseKind(kindText, ["pin", "group"]);
        const id = await elementId(ctx, kind, which);
        const s = await pinctrlSettings(ctx, kind, id);
        const fnNames = s.function === undefined ? [] : await namesOf(ctx, "function");
        const rows = [[
          "function",
          s.function === undefined ? "(none)" : named(fnNames, s.function),
        ]];
        for (const c of s.configs) rows.push([configName(c.type), String(c.value)]);
        return {
          text: table(rows),
          json: {
            [kind]: id,
            function: s.function ?? null,
            configs: s.configs.map((c) => ({ ...c, name: configName(c.type) })),
          },
        };
      },
    },
    {
      name: "configure",
      args: "pin|group ID [TYPE=VALUE…]",
      arity: [2, 2 + 255],
      summary: "Set configurations and/or select a function",
      help: "PINCTRL_SETTINGS_CONFIGURE (a2p: u32 identifier, u32 function_id, u32 attributes:\n" +
        "bits 1:0 selector, 9:2 number of configurations, bit 10 function valid; then {type,\n" +
        `value} pairs), ${CONFIGS_PER_MESSAGE} configurations per message. TYPE is a name\n` +
        "(bias-pull-up, drive-strength, output-value, …), oem-N or a number; --function\n" +
        "selects a function by id or name.",
      message: PinctrlMsg.PINCTRL_SETTINGS_CONFIGURE,
      flags: { function: { type: "string", help: "Function to select, by id or name" } },
      async run(ctx, [kindText, which, ...configs], flags) {
        const kind = parseKind(kindText, ["pin", "group"]);
        const pairs = parseConfigs(configs);
        const fnText = typeof flags.function === "string" ? flags.function : undefined;
        if (pairs.length === 0 && fnText === undefined) {
          throw new UsageError("Give TYPE=VALUE configurations, --function F, or both");
        }
        const id = await elementId(ctx, kind, which);
        const fn = fnText === undefined ? undefined : await elementId(ctx, "function", fnText);
        const messages = await pinctrlConfigure(ctx, kind, id, pairs, fn);
        return {
          text: "ok",
          json: { ok: true, [kind]: id, function: fn ?? null, configs: pairs.length / 2, messages },
        };
      },
    },
    {
      name: "request",
      args: "pin|group ID",
      arity: [2, 2],
      summary: "Claim a pin or group for this agent (PINCTRL_REQUEST)",
      help: "a2p: u32 identifier, u32 flags (selector). The claim lasts as long as the\n" +
        "connection, which ends when the command does.",
      message: PinctrlMsg.PINCTRL_REQUEST,
      run: (ctx, [kind, which]) => requestRelease(ctx, PinctrlMsg.PINCTRL_REQUEST, kind, which),
    },
    {
      name: "release",
      args: "pin|group ID",
      arity: [2, 2],
      summary: "Give a pin or group back (PINCTRL_RELEASE)",
      help: "a2p: u32 identifier, u32 flags (selector).",
      message: PinctrlMsg.PINCTRL_RELEASE,
      run: (ctx, [kind, which]) => requestRelease(ctx, PinctrlMsg.PINCTRL_RELEASE, kind, which),
    },
  ],
};
