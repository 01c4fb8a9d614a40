/**
 * The protocol conformance suite: every check a protocol plugin must pass, as `t.step`s of a
 * Deno test, run in-process against a deployment through {@linkcode Harness}. What a suite
 * cannot learn from the protocol's definition (attribute layouts, paged commands, how to cast
 * a vote) comes in {@linkcode ProtocolSuite}; a check without what it needs is skipped, and
 * named so in the test output.
 * @module
 */
import type { AnyProtocol, CommandDef } from "../core/protocol.ts";
import { CommonMsg, versionString } from "../core/protocol.ts";
import { Status, statusName } from "../core/status.ts";
import { Harness, type Reply } from "./mod.ts";

/** Reserved mask of each 32-bit payload word of one reply (omitted words: nothing reserved). */
export type ReservedWords = readonly number[];

/** The reserved bits of a protocol's attributes replies at one version. */
export interface ReservedMasks {
  /** PROTOCOL_ATTRIBUTES, word by word. */
  readonly protocol: ReservedWords;
  /**
   * PROTOCOL_MESSAGE_ATTRIBUTES by message id; a message not listed reserves every bit (its
   * attributes must be 0).
   */
  readonly message?: Readonly<Record<number, number>>;
  /**
   * The replies of per-resource commands by command name, word by word: each command that
   * takes only a resource id is asked for every id the agent sees.
   */
  readonly resource?: Readonly<Record<string, ReservedWords>>;
}

/** A multi-part command: one that answers a page of entries and the number still to come. */
export interface PagedCommand {
  /** The message id. */
  readonly message: number;
  /**
   * Its parameters for a walk that skips `skip` entries (e.g. `[clock, skip]`).
   *
   * @param skip Entries already received.
   * @returns The parameters as 32-bit words.
   */
  readonly params: (skip: number) => readonly number[];
  /**
   * Reads a successful reply's page.
   *
   * @param words The reply's payload as 32-bit words.
   * @returns Entries in this reply, and entries after them.
   */
  readonly page: (words: readonly number[]) => { returned: number; remaining: number };
  /**
   * The exact payload length, in bytes, of a reply carrying `returned` entries; unchecked
   * when absent.
   */
  readonly bytes?: (returned: number) => number;
}

/** A command that makes the agent hold a vote (turn a clock on, set a level). */
export interface VoteCommand {
  /** The message id. */
  readonly message: number;
  /** Its parameters as 32-bit words. */
  readonly params: readonly number[];
}

/** What {@linkcode protocolConformance} runs against. */
export interface ProtocolSuite {
  /** The protocol under test, as its module exports it. */
  readonly protocol: AnyProtocol;
  /** A deployment manifest that loads it, or a harness already built from one. */
  readonly manifest: string | Harness;
  /**
   * An agent granted the protocol (unpinned, so that it may negotiate every version). It
   * should see some, but not all, resources of each kind the protocol carries.
   */
  readonly agent: string;
  /** Exact payload length of PROTOCOL_ATTRIBUTES at the newest version (default 4 bytes). */
  readonly attributesBytes?: number;
  /**
   * How PROTOCOL_ATTRIBUTES counts the agent's resources, by kind. A protocol with one
   * kind defaults to bits 15:0 of the first word.
   */
  readonly counts?: Readonly<Record<string, (words: readonly number[]) => number>>;
  /** Its multi-part commands, walked to the end. */
  readonly paged?: readonly PagedCommand[];
  /** Reserved bits by version; every version the protocol offers should be here. */
  readonly reserved?: Readonly<Record<number, ReservedMasks>>;
  /** Commands that make the agent hold votes, all to succeed; none: the vote step is skipped. */
  readonly votes?: readonly VoteCommand[];
  /**
   * Commands that name a resource of a kind without declaring it (`CommandDef.resource`), as a
   * plugin resolving the agent's ids itself does: kind → message ids whose u32 at byte 0 is
   * the agent's id. The invisible-ids step sends them ids the agent does not see too.
   */
  readonly addressed?: Readonly<Record<string, readonly number[]>>;
}

/** The smallest parameter size a command accepts, and the largest (undefined: no bound). */
function sizes(c: CommandDef): { min: number; max: number | undefined } {
  return typeof c.params === "number"
    ? { min: c.params, max: c.params }
    : { min: c.params.min, max: c.params.max };
}

function fail(what: string, detail: string): never {
  throw new Error(`${what}: ${detail}`);
}

function expectStatus(what: string, r: Reply, want: number): void {
  if (r.status !== want) {
    fail(what, `status ${statusName(r.status)} (${r.status}), expected ${statusName(want)}`);
  }
}

function expectBytes(what: string, r: Reply, bytes: number): void {
  if (r.payload.length !== bytes) {
    fail(what, `payload of ${r.payload.length} bytes, expected exactly ${bytes}`);
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Runs the protocol conformance suite as steps of the calling test:
 * PROTOCOL_VERSION, PROTOCOL_ATTRIBUTES and PROTOCOL_MESSAGE_ATTRIBUTES with exact lengths;
 * an unknown message answers NOT_SUPPORTED; parameters a byte short (or long) answer
 * PROTOCOL_ERROR; ids the agent does not see answer NOT_FOUND and are not counted; every
 * multi-part command pages to the end; at every version the protocol offers, the attributes
 * replies leave reserved bits zero and later commands are absent; every vote goes when the
 * agent's session ends; and every error reply is exactly 8 bytes (header and status).
 *
 * @param t The calling test's context.
 * @param suite The protocol, the deployment and what the suite cannot learn on its own.
 *
 * @example The fan protocol of a vendor's deployment
 * ```ts ignore
 * import { protocolConformance } from "@vscmi/vscmi/testing";
 * import { protocol } from "./fan.ts";
 * Deno.test("fan protocol conforms", (t) =>
 *   protocolConformance(t, { protocol, manifest: "vscmi.toml", agent: "vm1" }));
 * ```
 */
export async function protocolConformance(
  t: Deno.TestContext,
  suite: ProtocolSuite,
): Promise<void> {
  const def = suite.protocol;
  const own = typeof suite.manifest === "string";
  const h = typeof suite.manifest === "string"
    ? await Harness.load(suite.manifest, { log: () => {} })
    : suite.manifest;
  const agent = suite.agent;
  const errors: string[] = [];
  const send = async (message: number, params: readonly number[] | Uint8Array = []) => {
    const r = params instanceof Uint8Array
      ? await h.sendBytes(agent, def.id, message, params)
      : await h.send(agent, def.id, message, params);
    if (r.status !== Status.SUCCESS && r.payload.length !== 0) {
      errors.push(
        `message ${hex(message)}: ${statusName(r.status)} with ${r.payload.length} bytes`,
      );
    }
    return r;
  };
  /** The commands this session has, learned from PROTOCOL_MESSAGE_ATTRIBUTES. */
  const present = async () => {
    const ids: number[] = [];
    for (const id of Object.keys(def.commands).map(Number)) {
      const r = await send(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [id]);
      if (r.status === Status.SUCCESS) ids.push(id);
    }
    return ids;
  };
  const newest = def.versions[def.versions.length - 1]!;
  try {
    await t.step("PROTOCOL_VERSION: the newest version, 4 bytes", async () => {
      h.end(agent);
      const r = await send(CommonMsg.PROTOCOL_VERSION);
      expectStatus("PROTOCOL_VERSION", r, Status.SUCCESS);
      expectBytes("PROTOCOL_VERSION", r, 4);
      if (r.words()[0] !== newest) {
        fail("PROTOCOL_VERSION", `${hex(r.words()[0]!)}, expected ${hex(newest)}`);
      }
    });

    await t.step("PROTOCOL_ATTRIBUTES: exact length", async () => {
      const r = await send(CommonMsg.PROTOCOL_ATTRIBUTES);
      expectStatus("PROTOCOL_ATTRIBUTES", r, Status.SUCCESS);
      expectBytes("PROTOCOL_ATTRIBUTES", r, suite.attributesBytes ?? 4);
    });

    await t.step(
      "PROTOCOL_MESSAGE_ATTRIBUTES: 4 bytes per command, NOT_FOUND for none",
      async () => {
        for (const id of [0x0, 0x1, 0x2, 0x10]) {
          const r = await send(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [id]);
          expectStatus(`attributes of message ${hex(id)}`, r, Status.SUCCESS);
          expectBytes(`attributes of message ${hex(id)}`, r, 4);
        }
        for (const id of await present()) {
          const r = await send(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [id]);
          expectBytes(`attributes of message ${hex(id)}`, r, 4);
        }
        const r = await send(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [unknownMessage(def)]);
        expectStatus(
          `attributes of unknown message ${hex(unknownMessage(def))}`,
          r,
          Status.NOT_FOUND,
        );
        const short = await send(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, []);
        expectStatus(
          "PROTOCOL_MESSAGE_ATTRIBUTES without a message id",
          short,
          Status.PROTOCOL_ERROR,
        );
      },
    );

    await t.step("an unknown message: NOT_SUPPORTED", async () => {
      const id = unknownMessage(def);
      const r = await send(id);
      expectStatus(`message ${hex(id)}`, r, Status.NOT_SUPPORTED);
    });

    await t.step("parameters a byte short or long: PROTOCOL_ERROR", async () => {
      for (const id of await present()) {
        const c = def.commands[id]!;
        const { min, max } = sizes(c);
        if (min > 0) {
          const r = await send(id, new Uint8Array(min - 1));
          expectStatus(`${c.name} with ${min - 1} parameter bytes`, r, Status.PROTOCOL_ERROR);
        }
        if (max !== undefined && max + 8 <= 128) {
          const r = await send(id, new Uint8Array(max + 1));
          expectStatus(`${c.name} with ${max + 1} parameter bytes`, r, Status.PROTOCOL_ERROR);
        }
      }
    });

    const kinds = [
      ...new Set([
        ...Object.values(def.commands).flatMap((c) => c.resource ?? []),
        ...Object.keys(suite.addressed ?? {}),
      ]),
    ];
    await t.step({
      name: "ids the agent does not see: NOT_FOUND, and not counted",
      ignore: kinds.length === 0,
      fn: async () => {
        const attrs = await send(CommonMsg.PROTOCOL_ATTRIBUTES);
        for (const kind of kinds) {
          const seen = h.visible(agent, kind);
          const count = suite.counts?.[kind] ??
            (kinds.length === 1 ? (w: readonly number[]) => w[0]! & 0xffff : undefined);
          if (count && count(attrs.words()) !== seen) {
            fail(
              `PROTOCOL_ATTRIBUTES`,
              `counts ${count(attrs.words())} ${kind}s, the agent sees ${seen}`,
            );
          }
          for (const id of await present()) {
            const c = def.commands[id]!;
            if (c.resource !== kind && !suite.addressed?.[kind]?.includes(id)) continue;
            for (const bad of [seen, 0xffff_ffff]) {
              const params = new Uint8Array(sizes(c).min);
              new DataView(params.buffer).setUint32(c.at ?? 0, bad, true);
              const r = await send(id, params);
              expectStatus(`${c.name} of ${kind} ${hex(bad)}`, r, Status.NOT_FOUND);
            }
          }
        }
      },
    });

    await t.step({
      name: "multi-part commands page to the end",
      ignore: !suite.paged?.length,
      fn: async () => {
        for (const p of suite.paged ?? []) {
          const what = def.commands[p.message]?.name ?? hex(p.message);
          let skip = 0;
          let total: number | undefined;
          for (;;) {
            const r = await send(p.message, p.params(skip));
            expectStatus(`${what} skipping ${skip}`, r, Status.SUCCESS);
            const { returned, remaining } = p.page(r.words());
            if (p.bytes) expectBytes(`${what} skipping ${skip}`, r, p.bytes(returned));
            total ??= returned + remaining;
            if (skip + returned + remaining !== total) {
              fail(what, `skipping ${skip}: ${returned} + ${remaining} remaining, of ${total}`);
            }
            if (remaining === 0) break;
            if (returned === 0) fail(what, `skipping ${skip}: no entries, ${remaining} remaining`);
            skip += returned;
          }
        }
      },
    });

    await t.step(
      "at every version: negotiable, later commands absent, reserved bits zero",
      async () => {
        for (const v of def.versions) {
          h.end(agent);
          const n = await send(CommonMsg.NEGOTIATE_PROTOCOL_VERSION, [v]);
          expectStatus(`NEGOTIATE_PROTOCOL_VERSION ${versionString(v)}`, n, Status.SUCCESS);
          expectBytes(`NEGOTIATE_PROTOCOL_VERSION ${versionString(v)}`, n, 0);
          const ver = await send(CommonMsg.PROTOCOL_VERSION);
          if (ver.words()[0] !== v) {
            fail(`PROTOCOL_VERSION after negotiating ${hex(v)}`, hex(ver.words()[0]!));
          }
          const masks = suite.reserved?.[v];
          const attrs = await send(CommonMsg.PROTOCOL_ATTRIBUTES);
          expectStatus(`PROTOCOL_ATTRIBUTES at ${versionString(v)}`, attrs, Status.SUCCESS);
          attrs.words().forEach((w, i) => {
            const set = (w & (masks?.protocol[i] ?? 0)) >>> 0;
            if (set) {
              fail(
                `PROTOCOL_ATTRIBUTES at ${versionString(v)}`,
                `word ${i} sets reserved ${hex(set)}`,
              );
            }
          });
          for (
            const [id, c] of Object.entries(def.commands).map(([k, c]) => [Number(k), c] as const)
          ) {
            const r = await send(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [id]);
            if ((c.since ?? 0) > v) {
              expectStatus(
                `attributes of ${c.name} (since ${hex(c.since!)}) at ${versionString(v)}`,
                r,
                Status.NOT_FOUND,
              );
            } else if (masks && r.status === Status.SUCCESS) {
              const set = (r.words()[0]! & (masks.message?.[id] ?? 0xffff_ffff)) >>> 0;
              if (set) {
                fail(`attributes of ${c.name} at ${versionString(v)}`, `sets reserved ${hex(set)}`);
              }
            }
          }
          for (
            const [id, c] of Object.entries(def.commands).map(([k, c]) => [Number(k), c] as const)
          ) {
            const words = masks?.resource?.[c.name];
            if (!words || !c.resource || sizes(c).min !== 4 || (c.at ?? 0) !== 0) continue;
            for (let res = 0; res < h.visible(agent, c.resource); res++) {
              const r = await send(id, [res]);
              if (r.status !== Status.SUCCESS) continue;
              r.words().forEach((w, i) => {
                const set = (w & (words[i] ?? 0)) >>> 0;
                if (set) {
                  fail(
                    `${c.name} of ${res} at ${versionString(v)}`,
                    `word ${i} sets reserved ${hex(set)}`,
                  );
                }
              });
            }
          }
        }
        h.end(agent);
      },
    );

    await t.step({
      name: "every vote goes when the agent's session ends",
      ignore: !suite.votes?.length,
      fn: async () => {
        h.end(agent);
        const before = h.heldVotes(agent);
        for (const v of suite.votes ?? []) {
          const r = await send(v.message, v.params);
          expectStatus(
            `vote ${def.commands[v.message]?.name ?? hex(v.message)}`,
            r,
            Status.SUCCESS,
          );
        }
        if (h.heldVotes(agent) <= before) fail("votes", "the vote commands left no vote held");
        h.end(agent);
        if (h.heldVotes(agent) !== 0) {
          fail("votes", `${h.heldVotes(agent)} still held after the session ended`);
        }
      },
    });

    await t.step("every error reply is exactly 8 bytes", () => {
      if (errors.length) fail("error replies with a payload", errors.join("; "));
    });
  } finally {
    if (own) await h.close();
  }
}

/** The lowest message id the protocol neither defines nor leaves to the core. */
function unknownMessage(def: AnyProtocol): number {
  for (let id = 0x3;; id++) if (id !== 0x10 && !(id in def.commands)) return id;
}
