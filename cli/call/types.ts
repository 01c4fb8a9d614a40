/**
 * What a protocol module of `vscmi call` declares: its subcommands, each with its
 * arguments, help, and a `run` that sends messages through a {@linkcode CallContext} and
 * returns what to print. Adding a protocol is one module exporting a {@linkcode CallProtocol}
 * plus one line in `registry.ts`.
 * @module
 */
import type { Reply, ScmiClient } from "../client.ts";
import type { Payload } from "../decode.ts";

export type CallFlags = Readonly<Record<string, boolean | string | undefined>>;

export interface CallFlagDef {
  type: "boolean" | "string";
  /** e.g. "Also reset access permissions". */
  help: string;
}

/** What a command's `run` works with: the connection and its protocol. */
export interface CallContext {
  readonly client: ScmiClient;
  readonly protocol: CallProtocol;
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
  text: string;
  json: unknown;
}

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
  readonly flags?: Readonly<Record<string, CallFlagDef>>;
  run(ctx: CallContext, args: string[], flags: CallFlags): Promise<CallResult>;
}

export interface CallProtocol {
  /** Name on the command line, e.g. `base`. */
  readonly name: string;
  readonly id: number;
  readonly summary: string;
  /** Specification names of its messages by id, for errors and listings. */
  readonly messages: Readonly<Record<number, string>>;
  readonly commands: readonly CallCommand[];
}
