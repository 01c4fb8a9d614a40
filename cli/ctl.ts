/**
 * `vscmi ctl`: the operator's commands to a running server, over its control socket
 * (`<run-dir>/control.sock`): list agents, show a resource's arbitration state, grant and
 * revoke devices or single resources, reset an agent, add and remove agents.
 *
 * Exit codes: 0 done, 1 the server refused or failed (or cannot be reached), 2 a usage error
 * or an add-agent file with problems.
 * @module
 */
import { resolve } from "node:path";
import { kindsOf } from "../core/kind.ts";
import type { AnyProtocol } from "../core/protocol.ts";

import { ControlClient, ControlClientError, servedProtocols } from "../server/control/client.ts";
import type {
  AddedAgent,
  Change,
  GrantResult,
  RemoveResult,
  ServedProtocol,
} from "../server/control/commands.ts";
import type { AgentInfo, ResourceInfo } from "../server/control/inspect.ts";
import {
  CONTROL_SOCKET,
  type ErrorCode,
  type RequestInput,
  type Response,
} from "../server/control/protocol.ts";
import type { Hold } from "../server/control/votes.ts";
import { formatProblem } from "../core/manifest/problem.ts";
import { defaultRunDir } from "../core/rundir.ts";
import { CommandError, Exit, parse, str, UsageError, type Values } from "./args.ts";
import { table } from "../client/mod.ts";

const OPTIONS = {
  "run-dir": { type: "string" },
  socket: { type: "string" },
  json: { type: "boolean" },
  virtual: { type: "string" },
  "read-only": { type: "boolean" },
  permissions: { type: "boolean" },
} as const;

/** Keep in step with the copy in `main.ts`. */
export const CTL_USAGE = "vscmi ctl [--run-dir DIR | --socket PATH] [--json] COMMAND [ARGS…]";

function help(kinds: readonly string[]): string {
  return [
    `Usage: ${CTL_USAGE}`,
    "",
    "Talks to a running `vscmi serve` through its control socket, <run-dir>/control.sock,",
    "which only the user running the server can open.",
    "",
    "Commands:",
    table([
      ["agents", "Every agent: transport, session, protocols, resources, votes"],
      ["resource KIND NAME|ID", "A resource's arbitration state and who sees it"],
      ["grant AGENT device NAME|ID", "Give the agent a device (all its resources)"],
      [
        "grant AGENT KIND NAME|ID",
        "Give the agent one resource [--virtual N] [--read-only]",
      ],
      ["revoke AGENT device|KIND NAME|ID", "Take it back; the agent's votes on it are released"],
      ["reset-agent AGENT", "As BASE_RESET_AGENT_CONFIGURATION [--permissions]"],
      ["add-agent FILE.toml", "Add the [[agent]] tables of FILE and start their transports"],
      ["remove-agent AGENT", "Stop the agent's transport, release its votes, remove it"],
      ["protocols", "Every protocol served: id, name, resource kinds, plugin module"],
    ], "  "),
    "",
    `KIND is device or a resource kind: ${kinds.join(", ")}.`,
    "AGENT is an agent's name or id; NAME|ID a board name or id.",
    "",
    "Options:",
    table([
      ["--run-dir DIR", `Run directory of the server (default ${defaultRunDir()})`],
      ["--socket PATH", "The control socket itself (instead of --run-dir)"],
      ["--json", "Print the server's answer as JSON"],
      ["--virtual N", "grant: the virtual id the agent sees the resource as"],
      ["--read-only", "grant: the agent may read the resource but not change it"],
      ["--permissions", "reset-agent: also revert its grants to the deployment's"],
      ["-h, --help", "Show help"],
    ], "  "),
    "",
    "Exit codes: 0 done, 1 refused or failed, 2 usage error or an add-agent file with problems.",
  ].join("\n");
}

function usage(message: string, Kind: typeof UsageError = UsageError): UsageError {
  const e = new Kind(message);
  e.usage = `Usage: ${CTL_USAGE}\nRun "vscmi ctl --help".`;
  return e;
}

function arity(cmd: string, args: string[], n: number, shape: string): void {
  if (args.length !== n) {
    throw usage(`"${cmd}" takes ${shape}, got ${args.length ? args.join(" ") : "nothing"}`);
  }
}

/** A kind neither the built-ins nor (once asked) the server's plugins carry. */
class UnknownKind extends UsageError {}

function checkKind(kind: string, kinds: readonly string[]): void {
  if (kind !== "device" && !kinds.includes(kind)) {
    throw usage(`Unknown kind "${kind}" (expected device, ${kinds.join(", ")})`, UnknownKind);
  }
}

/** Builds the request the command line asks for. */
export function buildRequest(
  positionals: string[],
  values: Values,
  kinds: readonly string[],
): RequestInput {
  const [cmd, ...args] = positionals;
  const only = (flag: string, where: string) => {
    if (values[flag] !== undefined) throw usage(`--${flag} applies to ${where} only`);
  };
  if (cmd !== "grant") {
    only("virtual", "grant");
    only("read-only", "grant");
  }
  if (cmd !== "reset-agent") only("permissions", "reset-agent");
  switch (cmd) {
    case "agents":
      arity(cmd, args, 0, "no arguments");
      return { cmd };
    case "resource": {
      arity(cmd, args, 2, "KIND NAME|ID");
      if (args[0] === "device") throw usage(`"resource" takes a resource kind, not device`);
      checkKind(args[0], kinds);
      return { cmd, kind: args[0], resource: args[1] };
    }
    case "grant":
    case "revoke": {
      arity(cmd, args, 3, "AGENT KIND NAME|ID");
      checkKind(args[1], kinds);
      const kind = args[1];
      if (cmd === "revoke") return { cmd, agent: args[0], kind, resource: args[2] };
      const req: RequestInput = { cmd, agent: args[0], kind, resource: args[2] };
      const virt = str(values, "virtual");
      if (virt !== undefined) {
        if (!/^\d+$/.test(virt) || Number(virt) > 0xfffffffe) {
          throw usage(`--virtual must be a virtual id from 0 to 4294967294, got "${virt}"`);
        }
        req.virtual = Number(virt);
      }
      if (values["read-only"]) req.readOnly = true;
      if (kind === "device" && (req.virtual !== undefined || req.readOnly)) {
        throw usage("A device is granted whole: --virtual and --read-only apply to one resource");
      }
      return req;
    }
    case "reset-agent":
      arity(cmd, args, 1, "AGENT");
      return { cmd, agent: args[0], permissions: values.permissions === true };
    case "add-agent":
      arity(cmd, args, 1, "FILE.toml");
      return { cmd, file: resolve(args[0]) };
    case "remove-agent":
      arity(cmd, args, 1, "AGENT");
      return { cmd, agent: args[0] };
    case "protocols":
      arity(cmd, args, 0, "no arguments");
      return { cmd };
    case undefined:
      throw usage("Say which command to run (agents, resource, grant, revoke, …)");
    default:
      throw usage(
        `Unknown command "${cmd}" (expected agents, resource, grant, revoke, reset-agent, ` +
          `add-agent, remove-agent or protocols)`,
      );
  }
}

function vote(h: Hold & { name: string }): string {
  return `${h.name || `#${h.id}`}${h.value === true ? "" : `=${h.value}`}`;
}

/** `clock.on apb_clk, uart0_clk; perf.level cpu=3`: each store and its holdings. */
function votes(list: readonly (Hold & { name: string })[]): string {
  if (list.length === 0) return "none";
  const by = new Map<string, string[]>();
  for (const h of list) {
    let l = by.get(h.store);
    if (!l) by.set(h.store, l = []);
    l.push(vote(h));
  }
  return [...by].map(([store, l]) => `${store} ${l.join(", ")}`).join("; ");
}

/** The text `vscmi ctl agents` prints. */
export function formatAgents(agents: readonly AgentInfo[]): string {
  const head = [["ID", "AGENT", "TRUSTED", "SESSION", "TRANSPORT"]];
  const rows = agents.map((a) => [
    String(a.id),
    a.name,
    a.trusted ? "yes" : "no",
    a.sessions === 0 ? "closed" : a.sessions === 1 ? "open" : `${a.sessions} open`,
    a.transport?.address ?? "(none)",
  ]);
  const out = [table([...head, ...rows])];
  for (const a of agents) {
    const resources = Object.entries(a.resources).map(([k, n]) => `${k} ${n}`).join(", ");
    out.push("");
    out.push(`${a.name} (id ${a.id})`);
    out.push(table([
      [
        "protocols",
        a.protocols.map((p) =>
          `${p.name} ${p.version}${
            p.negotiated.length && p.negotiated.some((v) => v !== p.version)
              ? ` (speaking ${p.negotiated.join(", ")})`
              : ""
          }`
        ).join(", "),
      ],
      ["devices", a.devices.length ? a.devices.join(", ") : "none"],
      ["resources", resources || "none"],
      [
        "votes",
        votes(a.votes) +
        (a.sessions === 0 && a.votes.length > 0 ? ` (kept ${a.grace.closeS} s after a close)` : ""),
      ],
    ], "  "));
  }
  return out.join("\n");
}

function value(v: boolean | number | undefined): string {
  return v === undefined ? "-" : v === true ? "on" : v === false ? "off" : String(v);
}

/** The text `vscmi ctl resource` prints. */
export function formatResource(r: ResourceInfo): string {
  const rows: string[][] = [
    ["devices", r.devices.length ? r.devices.join(", ") : "none"],
    ["policy", r.policy ?? "(board default)"],
    ["kept", r.kept ? "yes (the platform keeps it on)" : "no"],
    [
      "hardware",
      Object.entries(r.hardware).map(([k, v]) => `${k} ${String(v)}`).join(", ") || "-",
    ],
  ];
  for (const s of r.stores) {
    const parts = [`${s.policy}`, `effective ${value(s.effective)}`];
    if (s.owner !== undefined) parts.push(`owner ${s.owner}`);
    if (s.heldFor !== undefined) parts.push(`held for ${r.kind} ${s.heldFor.join(", ")}`);
    parts.push(
      `votes ${
        s.votes.length ? s.votes.map((v) => `${v.agent} ${value(v.value)}`).join(", ") : "none"
      }`,
    );
    rows.push([s.store, parts.join("; ")]);
  }
  rows.push([
    "seen by",
    r.visibility.length
      ? r.visibility.map((v) =>
        `${v.agent} as ${v.virtual}${v.name ? ` "${v.name}"` : ""}${
          v.rights === "r" ? " (read-only)" : ""
        }`
      ).join(", ")
      : "no agent",
  ]);
  return [`${r.kind} ${r.id} "${r.name}"`, table(rows, "  ")].join("\n");
}

function change(c: Change): string {
  const what = `${c.kind} "${c.name}" (${c.id})`;
  switch (c.change) {
    case "shown":
      return `+ ${what} as ${c.virtual}${c.rights === "r" ? " (read-only)" : ""}`;
    case "hidden":
      return `- ${what}, was ${c.virtual}`;
    case "rights":
      return `~ ${what} as ${c.virtual}: now ${c.rights === "r" ? "read-only" : "read-write"}`;
  }
}

/** The text `grant`, `revoke` and `reset-agent` print. */
export function formatGrant(verb: string, r: GrantResult): string {
  const out: string[] = [];
  if (r.changes.length === 0) out.push(`${r.agent}: ${verb}: nothing changed`);
  else {
    out.push(`${r.agent}: ${verb}:`);
    for (const c of r.changes) out.push(`  ${change(c)}`);
  }
  if (r.released.length) out.push(`  released votes: ${votes(r.released)}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join("\n");
}

function print(req: RequestInput, result: unknown): void {
  switch (req.cmd) {
    case "agents":
      console.log(formatAgents((result as { agents: AgentInfo[] }).agents));
      return;
    case "resource":
      console.log(formatResource(result as ResourceInfo));
      return;
    case "grant":
    case "revoke":
      console.log(formatGrant(req.cmd, result as GrantResult));
      return;
    case "reset-agent":
      console.log(
        formatGrant(req.permissions ? "reset with permissions" : "reset", result as GrantResult),
      );
      return;
    case "add-agent": {
      const rows = (result as { agents: AddedAgent[] }).agents.map((a) => [
        `added ${a.name}`,
        `id ${a.id}`,
        a.transport?.address ?? "(no transport)",
      ]);
      console.log(table(rows));
      return;
    }
    case "remove-agent": {
      const r = result as RemoveResult;
      console.log(`removed ${r.agent} (id ${r.id}); released votes: ${votes(r.released)}`);
      return;
    }
    case "protocols": {
      const rows = (result as { protocols: ServedProtocol[] }).protocols.map((p) => [
        `0x${p.id.toString(16).padStart(2, "0")}`,
        p.name,
        p.kinds.join(",") || "-",
        p.module ?? "(built in)",
      ]);
      console.log(table(rows));
      return;
    }
  }
}

const EXIT: Record<ErrorCode, number> = {
  "bad-request": Exit.USAGE,
  manifest: Exit.USAGE,
  "not-found": Exit.FAIL,
  conflict: Exit.FAIL,
  failed: Exit.FAIL,
};

/**
 * Runs `vscmi ctl …`; resolves to the exit code. Resource kinds are those `builtins.protocols`
 * carry.
 */
export async function ctlCommand(
  args: string[],
  builtins: { readonly protocols: readonly AnyProtocol[] },
): Promise<number> {
  const kinds = kindsOf(builtins.protocols).map((k) => k.name);
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    console.log(help(kinds));
    return Exit.OK;
  }
  const socketOpt = str(values, "socket");
  if (socketOpt !== undefined && str(values, "run-dir") !== undefined) {
    throw usage("Choose one of --socket and --run-dir");
  }
  const path = socketOpt ?? resolve(str(values, "run-dir") ?? defaultRunDir(), CONTROL_SOCKET);
  let req: RequestInput;
  try {
    req = buildRequest(positionals, values, kinds);
  } catch (e) {
    if (!(e instanceof UnknownKind)) throw e;
    // Perhaps a kind of one of the server's plugins: the server knows it.
    let served;
    try {
      served = await servedProtocols(path, 30_000);
    } catch (e) {
      if (e instanceof ControlClientError) throw new CommandError(e.message);
      throw e;
    }
    if (served === undefined) throw e;
    const all = [...new Set([...kinds, ...served.flatMap((p) => p.kinds)])];
    req = buildRequest(positionals, values, all);
  }
  let answer: Response;
  try {
    const client = await ControlClient.connect(path);
    try {
      answer = await client.request(req);
    } finally {
      client.close();
    }
  } catch (e) {
    if (e instanceof ControlClientError) throw new CommandError(e.message);
    throw e;
  }
  if (values.json) {
    console.log(JSON.stringify(answer.ok ? answer.result : answer, null, 2));
  } else if (answer.ok) {
    print(req, answer.result);
  } else if (answer.problems?.length) {
    for (const p of answer.problems) console.error(formatProblem(p));
  } else {
    console.error(`error: ${answer.error}`);
  }
  return answer.ok ? Exit.OK : EXIT[answer.code] ?? Exit.FAIL;
}
