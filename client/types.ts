/**
 * What a protocol carries for `vscmi call`: its subcommands ({@linkcode CallVerbs}, the
 * `call` field of its definition), each with its arguments, help, and a `run` that sends
 * messages through a {@linkcode CallContext} and returns what to print.
 * @module
 */
import type { Reply, ScmiClient } from "./stream.ts";
import type { Payload } from "./decode.ts";

/** A command's option values by name, as `--NAME` or `--NAME VALUE` gave them. */
export type CallFlags = Readonly<Record<string, boolean | string | undefined>>;

/** An option a command takes besides the connection's. */
export interface CallFlagDef {
  /** `boolean` for `--NAME`, `string` for `--NAME VALUE`. */
  type: "boolean" | "string";
  /** e.g. "Also reset access permissions". */
  help: string;
}

/** What a command's `run` works with: the connection and its protocol. */
export interface CallContext {
  /** The connection. */
  readonly client: ScmiClient;
  /** The protocol the command belongs to. */
  readonly protocol: CallProtocol;
  /** Every protocol the command line knows, for naming protocols by id. */
  readonly protocols: readonly CallProtocol[];
  /** How long to wait for each reply. */
  readonly timeoutMs: number;
  /**
   * Sends message `id` of this protocol with `params` (u32 words or bytes); resolves to the
   * payload after the status. Rejects with StatusError unless the status is SUCCESS.
   */
  call(id: number, params?: readonly number[] | Uint8Array): Promise<Payload>;
  /** Same message, resolving to the reply whatever its status. */
  request(id: number, params?: readonly number[] | Uint8Array): Promise<Reply>;
  /**
   * Prints one result now, as text or (with `--json`) one JSON line, for commands that
   * report as things happen (`watch`). Absent where nothing prints, e.g. in tests.
   */
  print?(out: CallResult): void;
}

/** What a command prints: `text` for people, `json` for `--json`. */
export interface CallResult {
  /** For people. */
  text: string;
  /** For `--json`: printed as one JSON line. */
  json: unknown;
}

/** One subcommand of a protocol: `vscmi call … PROTOCOL NAME ARGS…`. */
export interface CallCommand {
  /** Subcommand name, e.g. `discover-vendor`. */
  readonly name: string;
  /** Positional arguments for the usage line, e.g. `AGENT DEVICE allow|deny`. */
  readonly args?: string;
  /** Fewest and most positional arguments (default: none). */
  readonly arity?: readonly [number, number];
  /** One line. */
  readonly summary: string;
  /** More lines for `--help`. */
  readonly help?: string;
  /** The message it is about, so `message-attributes NAME` can find its id. */
  readonly message?: number;
  /** Its own options, by name without the dashes. */
  readonly flags?: Readonly<Record<string, CallFlagDef>>;
  /** Sends what the command needs and answers what to print; throws UsageError, StatusError… */
  run(ctx: CallContext, args: string[], flags: CallFlags): Promise<CallResult>;
}

/**
 * The client side of a protocol, the `call` field of its definition: what `vscmi call`
 * offers for it. The protocol's id, name and message names come from the definition itself.
 */
export interface CallVerbs {
  /** One line for `vscmi call --help`. */
  readonly summary: string;
  /** Its subcommands, common ones (`...commonCommands()`) included. */
  readonly commands: readonly CallCommand[];
}

/**
 * A protocol as `vscmi call` serves it: the definition's id and name, the names of its
 * messages, and its verbs (see {@linkcode callProtocol}).
 */
export interface CallProtocol {
  /** Name on the command line, e.g. `base`. */
  readonly name: string;
  /** Protocol id, 0x10–0xff. */
  readonly id: number;
  /** One line. */
  readonly summary: string;
  /** Specification names of its messages by id, for errors and listings. */
  readonly messages: Readonly<Record<number, string>>;
  /** Its subcommands. */
  readonly commands: readonly CallCommand[];
}
