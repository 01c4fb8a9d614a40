/**
 * `vscmi call`: an SCMI agent on the command line. Connects to a stream endpoint, sends one
 * command (or the few a listing needs), prints the decoded reply.
 *
 * ```
 * vscmi call (--socket PATH | --tcp HOST:PORT | --agent NAME [--run-dir DIR])
 *            [--json] [--timeout MS] [--wait MS] PROTOCOL COMMAND [ARGS…]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import {
  headerMessageId,
  headerProtocol,
  headerToken,
  headerType,
  MsgType,
} from "../core/header.ts";
import { agentSocketPath, defaultRunDir } from "../core/rundir.ts";
import { statusName } from "../core/status.ts";
import { Exit, parse, parsePositive, str, UsageError, type Values } from "./args.ts";
import {
  type CallCommand,
  type CallContext,
  type CallProtocol,
  callProtocol,
  ClientError,
  type Endpoint,
  hex32,
  hexId,
  Payload,
  protocolName,
  type Reply,
  ScmiClient,
  StatusError,
  table,
} from "../client/mod.ts";
import type { AnyProtocol } from "../core/protocol.ts";
import { manifestPlugins, serverPlugins } from "./call/plugins.ts";
import { parseRaw, RAW_HELP, RAW_USAGE, replyWords, runRaw } from "./call/raw.ts";

const OPTIONS = {
  socket: { type: "string" },
  tcp: { type: "string" },
  agent: { type: "string" },
  "run-dir": { type: "string" },
  json: { type: "boolean" },
  timeout: { type: "string" },
  wait: { type: "string" },
  manifest: { type: "string" },
} as const;

/** Keep in step with the copy in `main.ts`. */
export const CALL_USAGE =
  "vscmi call (--socket PATH | --tcp HOST:PORT | --agent NAME [--run-dir DIR]) [--json]\n" +
  "           [--manifest FILE] [--timeout MS] [--wait MS] PROTOCOL COMMAND [ARGS…]";

const CALL_OPTIONS_HELP = table([
  ["--socket PATH", "Unix socket of the agent's stream endpoint"],
  ["--tcp HOST:PORT", "TCP address of the agent's stream endpoint"],
  ["--agent NAME", "The agent's default socket, <run-dir>/NAME.sock"],
  ["--run-dir DIR", `Run directory of the server (default ${defaultRunDir()})`],
  ["--manifest FILE", "Know the protocols of the deployment's plugins (`[platform] plugins`)"],
  ["--json", "Print JSON instead of text"],
  ["--timeout MS", "How long to wait for each reply (default 2000)"],
  ["--wait MS", "After the reply, print notifications and delayed responses for MS"],
  ["-h, --help", "Show help"],
], "  ");

function callHelp(protocols: readonly CallProtocol[]): string {
  return [
    `Usage: ${CALL_USAGE}`,
    "",
    "Talks SCMI to a running `vscmi serve` as one agent and prints the decoded reply.",
    "",
    "Options:",
    CALL_OPTIONS_HELP,
    "",
    "Protocols:",
    table([
      ...[...protocols].sort((a, b) => a.id - b.id).map((p) => [p.name, hexId(p.id), p.summary]),
      ["raw", "", "Any protocol: send u32 words, print the reply's words"],
    ], "  "),
    "",
    "`vscmi call PROTOCOL` lists its commands; `vscmi call PROTOCOL COMMAND --help` explains one.",
    "Plugin protocols come from --manifest, else from the server in the run directory",
    "(with --agent or --run-dir), which names each plugin's module on its control socket.",
  ].join("\n");
}

function commandUsage(p: CallProtocol, c: CallCommand): string {
  const flags = Object.keys(c.flags ?? {}).map((f) => ` [--${f}]`).join("");
  return `vscmi call … ${p.name} ${c.name}${c.args ? ` ${c.args}` : ""}${flags}`;
}

function protocolHelp(p: CallProtocol): string {
  return [
    `${p.name} (${hexId(p.id)}): ${p.summary}`,
    "",
    "Commands:",
    table(p.commands.map((c) => [c.name, c.summary]), "  "),
    "",
    `Usage: vscmi call (--socket PATH | --tcp HOST:PORT | --agent NAME) ${p.name} COMMAND [ARGS…]`,
    `       vscmi call ${p.name} COMMAND --help   shows a command's arguments`,
  ].join("\n");
}

function commandHelp(p: CallProtocol, c: CallCommand): string {
  const lines = [`Usage: ${commandUsage(p, c)}`, "", c.summary];
  if (c.help) lines.push("", c.help);
  if (c.flags) {
    lines.push("", "Options:");
    lines.push(table(Object.entries(c.flags).map(([k, f]) => [`--${k}`, f.help]), "  "));
  }
  lines.push("", "Connection options: see `vscmi call --help`.");
  return lines.join("\n");
}

/** Where to connect, from --socket, --tcp or --agent. */
function endpointOf(values: Values): { ep: Endpoint; where: string } {
  const v = {
    socket: str(values, "socket"),
    tcp: str(values, "tcp"),
    agent: str(values, "agent"),
    runDir: str(values, "run-dir"),
  };
  const given = [v.socket, v.tcp, v.agent].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new UsageError(
      given === 0
        ? "Say where the server is: --socket PATH, --tcp HOST:PORT or --agent NAME"
        : "Give only one of --socket, --tcp and --agent",
    );
  }
  if (v.tcp !== undefined) {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v.tcp);
    if (!m || Number(m[3]) > 65535) {
      throw new UsageError(`--tcp must be HOST:PORT, e.g. 127.0.0.1:9000, got "${v.tcp}"`);
    }
    return {
      ep: { kind: "tcp", hostname: m[1] ?? m[2], port: Number(m[3]) },
      where: v.tcp,
    };
  }
  const path = v.socket ?? agentSocketPath(v.runDir ?? defaultRunDir(), v.agent!);
  return { ep: { kind: "unix", path }, where: path };
}

async function connect(ep: Endpoint, where: string): Promise<ScmiClient> {
  try {
    return await ScmiClient.connect(ep);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such socket (is `vscmi serve` running, with this run directory?)"
      : e instanceof Deno.errors.ConnectionRefused
      ? "nobody is listening there"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Error
      ? e.message
      : String(e);
    throw new ClientError(`Cannot connect to "${where}": ${why}`);
  }
}

function context(
  client: ScmiClient,
  protocol: CallProtocol,
  protocols: readonly CallProtocol[],
  timeoutMs: number,
  json = false,
): CallContext {
  const request = (id: number, params: readonly number[] | Uint8Array = []) =>
    client.request(protocol.id, id, params, timeoutMs);
  return {
    client,
    protocol,
    protocols,
    timeoutMs,
    request,
    print: (out) => console.log(json ? JSON.stringify(out.json) : out.text),
    async call(id, params) {
      const r = await request(id, params);
      const name = protocol.messages[id] ?? `${protocol.name} message ${hexId(id)}`;
      if (r.status !== 0) throw new StatusError(name, r.status);
      return new Payload(r.payload, name);
    },
  };
}

/** A platform→agent message as text and JSON. */
function describeP2a(
  m: Uint8Array,
  protocols: readonly CallProtocol[],
): { text: string; json: unknown } {
  const r: Reply = {
    header: m.length >= 4 ? new DataView(m.buffer, m.byteOffset).getUint32(0, true) : 0,
    status: 0,
    payload: m.subarray(4),
    bytes: m,
  };
  const h = r.header;
  const type = headerType(h) === MsgType.DELAYED_RESPONSE
    ? "delayed"
    : headerType(h) === MsgType.NOTIFICATION
    ? "notification"
    : `type ${headerType(h)}`;
  const words = replyWords(r);
  const proto = protocolName(protocols, headerProtocol(h));
  return {
    text: `${type} ${proto} ${hexId(headerMessageId(h))} token ${headerToken(h)}: ${
      words.slice(1).map(hex32).join(" ")
    }`,
    json: {
      type,
      protocol: proto,
      message: headerMessageId(h),
      token: headerToken(h),
      words: words.slice(1),
    },
  };
}

/**
 * The plugin protocols to know besides `builtIn`: those of `--manifest`, else those the server
 * in the run directory serves (asked only when `--agent` or `--run-dir` names one).
 */
function pluginsOf(
  values: Record<string, unknown>,
  builtIn: readonly AnyProtocol[],
): Promise<AnyProtocol[]> {
  const text = (k: string) => typeof values[k] === "string" ? values[k] as string : undefined;
  const manifest = text("manifest");
  if (manifest !== undefined) return manifestPlugins(manifest, builtIn);
  if (text("agent") === undefined && text("run-dir") === undefined) return Promise.resolve([]);
  const timeout = text("timeout");
  const timeoutMs = timeout === undefined ? 2000 : parsePositive(timeout, "--timeout");
  return serverPlugins(text("run-dir") ?? defaultRunDir(), builtIn, timeoutMs);
}

/**
 * Runs `vscmi call …` for the protocols `defs` defines (their `call` verbs), and those of the
 * deployment's plugins (`--manifest`, or the running server's); returns the exit code. `raw`
 * reaches any protocol id.
 */
export async function callCommand(args: string[], defs: readonly AnyProtocol[]): Promise<number> {
  // First pass: find PROTOCOL and COMMAND, so the command's own options can join the strict one.
  const pre = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true });
  const protocols = [...defs, ...await pluginsOf(pre.values, defs)].map(callProtocol);
  const [protoName, cmdName] = pre.positionals;
  const wantsHelp = args.includes("--help") || args.includes("-h");

  if (protoName === undefined) {
    if (wantsHelp) {
      console.log(callHelp(protocols));
      return Exit.OK;
    }
    parse(args, OPTIONS); // Report unknown options first.
    throw Object.assign(new UsageError("Say which protocol and command to call"), {
      usage: callHelp(protocols),
    });
  }

  let proto: CallProtocol | undefined;
  let cmd: CallCommand | undefined;
  if (protoName === "raw") {
    if (wantsHelp) {
      console.log(`Usage: vscmi call … ${RAW_USAGE}\n\n${RAW_HELP}`);
      return Exit.OK;
    }
  } else {
    proto = protocols.find((p) => p.name === protoName);
    if (!proto) {
      throw new UsageError(
        `Unknown protocol "${protoName}" (known: ${
          [...protocols.map((p) => p.name), "raw"].join(", ")
        })`,
      );
    }
    if (cmdName === undefined) {
      parse(args, OPTIONS);
      console.log(protocolHelp(proto));
      return Exit.OK;
    }
    cmd = proto.commands.find((c) => c.name === cmdName);
    if (!cmd) {
      throw Object.assign(new UsageError(`Unknown ${proto.name} command "${cmdName}"`), {
        usage: protocolHelp(proto),
      });
    }
    if (wantsHelp) {
      console.log(commandHelp(proto, cmd));
      return Exit.OK;
    }
  }

  const extra = Object.fromEntries(
    Object.entries(cmd?.flags ?? {}).map(([k, f]) => [k, { type: f.type }]),
  ) as Record<string, { type: "boolean" | "string" }>;
  const { values, positionals } = parse(args, { ...OPTIONS, ...extra });
  const rest = positionals.slice(proto ? 2 : 1);
  if (cmd) {
    const [min, max] = cmd.arity ?? [0, 0];
    if (rest.length < min || rest.length > max) {
      throw Object.assign(
        new UsageError(
          rest.length < min
            ? `${proto!.name} ${cmd.name} needs ${cmd.args}`
            : `Too many arguments for ${proto!.name} ${cmd.name}: ${rest.slice(max).join(" ")}`,
        ),
        { usage: `Usage: ${commandUsage(proto!, cmd)}` },
      );
    }
  }
  const timeout = str(values, "timeout");
  const timeoutMs = timeout === undefined ? 2000 : parsePositive(timeout, "--timeout");
  const wait = str(values, "wait");
  const waitMs = wait === undefined ? 0 : parsePositive(wait, "--wait");
  const raw = cmd ? undefined : parseRaw(protocols, rest);
  const { ep, where } = endpointOf(values);
  const json = values.json === true;

  const client = await connect(ep, where);
  try {
    let out: { text: string; json: unknown };
    let code: number = Exit.OK;
    try {
      if (cmd) {
        const flags = Object.fromEntries(Object.keys(extra).map((k) => [k, values[k]]));
        out = await cmd.run(context(client, proto!, protocols, timeoutMs, json), rest, flags);
      } else {
        const r = await runRaw(client, raw!, timeoutMs);
        out = r;
        if (r.reply.status !== 0) code = Exit.FAIL;
      }
    } catch (e) {
      if (e instanceof StatusError && json) {
        console.log(JSON.stringify({ error: e.message, status: statusName(e.status) }));
      }
      if (e instanceof ClientError && /closed the connection/.test(e.message)) {
        e.message += " (is another client connected as this agent?)";
      }
      throw e;
    }
    console.log(json ? JSON.stringify(out.json) : out.text);
    if (waitMs > 0) {
      for (const m of await client.collect(waitMs)) {
        const d = describeP2a(m, protocols);
        console.log(json ? JSON.stringify(d.json) : d.text);
      }
    }
    return code;
  } finally {
    await client.close();
  }
}
