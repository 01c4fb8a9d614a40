/**
 * The control protocol: what `vscmi ctl` and the control socket (`<run-dir>/control.sock`)
 * say to each other. JSON lines: each request is one JSON object on one line, each answer one
 * line, in request order.
 *
 * ```text
 * → {"id":1,"cmd":"agents"}
 * ← {"id":1,"ok":true,"result":{"agents":[…]}}
 * → {"id":2,"cmd":"grant","agent":"vm2","kind":"device","resource":"usb"}
 * ← {"id":2,"ok":true,"result":{"agent":"vm2","changes":[…]}}
 * → {"id":3,"cmd":"frobnicate"}
 * ← {"id":3,"ok":false,"code":"bad-request","error":"Unknown command \"frobnicate\" (…)"}
 * ```
 *
 * Requests (`id` is optional, any number or string, echoed back; `agent` and `resource` are
 * names, or ids as numbers or digit strings):
 * - `agents`: every agent with its transport, sessions, protocols, resources and votes.
 * - `resource` `kind` `resource`: the resource's arbitration state and who sees it.
 * - `grant` / `revoke` `agent` `kind` `resource`: `kind` is a resource kind or `device`;
 *   `grant` of one resource also takes `virtual` (the virtual id to show it at) and
 *   `readOnly`.
 * - `reset-agent` `agent` `permissions?`: as BASE_RESET_AGENT_CONFIGURATION.
 * - `add-agent` `file`: an absolute path to a TOML file of `[[agent]]` tables.
 * - `remove-agent` `agent`.
 * - `protocols`: every protocol served, with its resource kinds and, for a deployment's plugin,
 *   the file URL of its module (`vscmi call` imports it for the plugin's verbs).
 *
 * A request line is at most {@linkcode MAX_LINE} bytes, an answer {@linkcode MAX_ANSWER}. Errors carry a `code`: `bad-request` (not
 * JSON, not a request, too long), `not-found` (no such agent, resource or device),
 * `manifest` (the add-agent file has problems, listed in `problems`), `conflict` (the
 * change contradicts the agent's current grants) or `failed`.
 * @module
 */
import { z } from "zod";
import type { ResourceKind } from "../../core/board.ts";
import { definedKinds, kindNamed } from "../../core/kind.ts";
import type { Problem } from "../../core/manifest/problem.ts";

/** Longest request line, bytes (newline excluded). */
export const MAX_LINE = 64 * 1024;

/** Longest answer line, bytes: a listing of many agents and votes is larger than a request. */
export const MAX_ANSWER = 16 * MAX_LINE;

/** The control socket's file name inside the run directory. */
export const CONTROL_SOCKET = "control.sock";

/** Control commands, in the order help texts list them. */
export const CONTROL_COMMANDS = [
  "agents",
  "resource",
  "grant",
  "revoke",
  "reset-agent",
  "add-agent",
  "remove-agent",
  "protocols",
] as const;
export type ControlCommand = typeof CONTROL_COMMANDS[number];

/** What `grant` and `revoke` act on: one resource kind, or a whole SCMI device. */
export type GrantKind = ResourceKind | "device";

const requestId = z.union([z.number(), z.string().max(64)], {
  error: "a number or a string of up to 64 characters",
}).optional();
const agentRef = z.union([
  z.string().min(1).max(64),
  z.number().int().min(0).max(0xffffffff),
], { error: "an agent name or id" });
const resourceRef = z.union([
  z.string().min(1).max(128),
  z.number().int().min(0).max(0xffffffff),
], { error: "a resource name or id" });
/** Names of the kinds defined in this process, for messages. */
const kindNames = () => definedKinds().map((k) => k.name).join(", ");
const kind = z.string({ error: () => `one of ${kindNames()}` }).refine(
  (k) => kindNamed(k) !== undefined,
  { error: () => `one of ${kindNames()}` },
);
const grantKind = z.string({ error: () => `device or one of ${kindNames()}` }).refine(
  (k) => k === "device" || kindNamed(k) !== undefined,
  { error: () => `device or one of ${kindNames()}` },
);

const VIRTUAL = "a virtual id from 0 to 4294967294";
const FILE = "a path of 1 to 4096 characters";

/** Every request, checked with zod on the server. */
export const requestSchema = z.discriminatedUnion("cmd", [
  z.strictObject({ id: requestId, cmd: z.literal("agents") }),
  z.strictObject({ id: requestId, cmd: z.literal("resource"), kind, resource: resourceRef }),
  z.strictObject({
    id: requestId,
    cmd: z.literal("grant"),
    agent: agentRef,
    kind: grantKind,
    resource: resourceRef,
    virtual: z.number({ error: VIRTUAL }).int({ error: VIRTUAL }).min(0, { error: VIRTUAL })
      .max(0xfffffffe, { error: VIRTUAL }).optional(),
    readOnly: z.boolean({ error: "true or false" }).optional(),
  }),
  z.strictObject({
    id: requestId,
    cmd: z.literal("revoke"),
    agent: agentRef,
    kind: grantKind,
    resource: resourceRef,
  }),
  z.strictObject({
    id: requestId,
    cmd: z.literal("reset-agent"),
    agent: agentRef,
    permissions: z.boolean({ error: "true or false" }).optional(),
  }),
  z.strictObject({
    id: requestId,
    cmd: z.literal("add-agent"),
    file: z.string({ error: FILE }).min(1, { error: FILE }).max(4096, { error: FILE }),
  }),
  z.strictObject({ id: requestId, cmd: z.literal("remove-agent"), agent: agentRef }),
  z.strictObject({ id: requestId, cmd: z.literal("protocols") }),
]);

/** A checked request. */
export type Request = z.output<typeof requestSchema>;
/** A request as a client builds it (`id` filled in by the client). */
export type RequestInput = z.input<typeof requestSchema>;

/** Why a request failed; decides the `vscmi ctl` exit code. */
export type ErrorCode = "bad-request" | "not-found" | "manifest" | "conflict" | "failed";

/** One answer line. */
export type Response =
  | { id: number | string | null; ok: true; result: unknown }
  | {
    id: number | string | null;
    ok: false;
    code: ErrorCode;
    error: string;
    /** Every problem of an add-agent file, located. */
    problems?: Problem[];
  };

/** A request the server could not carry out, with the code and text it answers. */
export class ControlError extends Error {
  override name = "ControlError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
  }
}

/**
 * Parses and checks one request line. Returns the request, or the ControlError to answer
 * with the request's `id` when one could be read.
 */
export function parseRequest(
  line: string,
): { ok: true; request: Request } | { ok: false; id: number | string | null; error: ControlError } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, id: null, error: new ControlError("bad-request", `Not JSON: ${why}`) };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      ok: false,
      id: null,
      error: new ControlError("bad-request", 'Expected a JSON object with a "cmd"'),
    };
  }
  const obj = raw as Record<string, unknown>;
  const id = typeof obj.id === "number" || typeof obj.id === "string" ? obj.id : null;
  const cmd = obj.cmd;
  if (typeof cmd !== "string" || !(CONTROL_COMMANDS as readonly string[]).includes(cmd)) {
    const got = typeof cmd === "string" ? `"${cmd}"` : "none";
    return {
      ok: false,
      id,
      error: new ControlError(
        "bad-request",
        `Unknown command ${got} (expected ${CONTROL_COMMANDS.join(", ")})`,
      ),
    };
  }
  const checked = requestSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue.path.length ? issue.path.join(".") : "request";
    const missing = issue.path.length === 1 && obj[String(issue.path[0])] === undefined;
    const what = issue.code === "unrecognized_keys"
      ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}`
      : `${missing ? "missing, " : ""}expected ${issue.message}`;
    return {
      ok: false,
      id,
      error: new ControlError("bad-request", `Bad "${cmd}" request: ${where}: ${what}`),
    };
  }
  return { ok: true, request: checked.data };
}
