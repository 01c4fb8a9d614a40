/**
 * The shape of a deployment manifest, checked with zod. Names of devices, resources and
 * protocols stay names here; `deployment.ts` resolves them against the board and registry.
 * @module
 */
import { z } from "zod";
import type { AgentKey } from "../../core/agent_keys.ts";
import type { KindDef } from "../../core/kind.ts";
import { ascii, bool, int, list, ref, table, u32 } from "../../core/manifest/_schema.ts";
import { grantTables, rateLimitTable } from "./policy_schema.ts";
import { MAX_GRACE_S } from "../../core/policy/grace.ts";

/** Transport types of the design that are accepted before their module is registered. */
export const KNOWN_TRANSPORTS = ["stream", "virtio-mmio", "vhost-user", "shmem", "smc"] as const;

/** Smallest and largest `max_msg_size`: room for the longest fixed reply, and 64 KiB. */
export const MSG_SIZE_RANGE = [32, 0x10000] as const;

const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const agentName = "an agent name of 1 to 32 letters, digits, '_', '.' or '-' " +
  "starting with a letter or digit";

export const platformTable = table({
  vendor: ascii(15).optional(),
  sub_vendor: ascii(15, undefined, 0).optional(),
  implementation_version: u32().optional(),
  plugins: list(z.string({ error: "a path to a plugin module" }), "an array of paths")
    .optional(),
  /** Directory of the vote journal (relative to the manifest), or false for none. */
  state_dir: z.union([z.string().min(1), z.literal(false)], {
    error: "a path to a directory, or false for no vote journal",
  }).optional(),
  /** What an acknowledged vote survives (README "Durability"); off: no vote journal. */
  durability: z.enum(["process", "host", "off"], {
    error: 'one of "process", "host" or "off"',
  }).optional(),
}, "a [platform] table");

/** Grace periods, seconds (`core/policy/grace.ts`). */
const seconds = () => {
  const error = `a number of seconds from 0 to ${MAX_GRACE_S}`;
  return z.number({ error }).min(0, { error }).max(MAX_GRACE_S, { error });
};

/** `grace = { close_s = 0, restart_s = 60 }`: how long an agent's votes outlive it. */
const graceTable = table({
  close_s: seconds().optional(),
  restart_s: seconds().optional(),
}, "a table { close_s = …, restart_s = … }");

/**
 * An `[[agent]]` table: its own keys, plus a member list and a table form per kind, and the
 * keys the protocols add (`ProtocolDef.agentKeys`, each optional).
 */
export function agentTable(kinds: readonly KindDef[], keys: readonly AgentKey[] = []) {
  return table({
    name: z.string({ error: agentName }).regex(AGENT_NAME, { error: agentName }),
    trusted: bool().optional(),
    max_msg_size: int(MSG_SIZE_RANGE[0], MSG_SIZE_RANGE[1]).optional(),
    transport: z.looseObject({ type: z.string({ error: "a transport type name" }) }, {
      error: 'a table { type = "…", options… }',
    }),
    /** Array of names/numbers, or a table of name = true | false | "major.minor". */
    protocols: z.unknown().optional(),
    devices: list(ref("a device"), "an array of device names").optional(),
    ...Object.fromEntries(
      kinds.map((k) => [k.member, list(ref(`a ${k.noun}`), "an array of names").optional()]),
    ),
    ...grantTables(kinds),
    rate_limit: rateLimitTable.optional(),
    grace: graceTable.optional(),
    ...Object.fromEntries(keys.map((k) => [k.name, (k.schema as z.ZodType).optional()])),
  });
}

/** An `[[agent]]` table after the shape check; the kinds' keys by name. */
export type AgentInput = {
  name: string;
  trusted?: boolean;
  max_msg_size?: number;
  transport: { type: string; [key: string]: unknown };
  protocols?: unknown;
  devices?: string[];
  rate_limit?: z.output<typeof rateLimitTable>;
  grace?: z.output<typeof graceTable>;
  [key: string]: unknown;
};

/** A file of agents to add to a running platform (`vscmi ctl add-agent`). */
export const agentsDocument = table({
  agent: list(z.unknown(), "an array of tables ([[agent]])").min(1, {
    error: "at least one [[agent]] table",
  }),
}, "a file of [[agent]] tables");

export const deploymentDocument = table({
  board: z.string({ error: "a path to the board manifest" }),
  platform: z.unknown().optional(),
  policy: z.unknown().optional(),
  agent: list(z.unknown(), "an array of tables ([[agent]])").min(1, {
    error: "at least one [[agent]] table",
  }),
});
