/**
 * Transports: what carries SCMI messages between an agent and the platform. A transport
 * type is registered once; the deployment starts one instance per agent channel.
 * @module
 */
import { checkApiField } from "./api.ts";
import type { HwAccess } from "./hw_root.ts";
import type { Importer } from "./importer.ts";
import type { Logger } from "./log.ts";
import { assertOptions, type OptionsDecl } from "./options.ts";
import type { SessionOpener } from "./session_port.ts";

/**
 * What a transport instance is started with: the agent it serves (name and message size),
 * `open` for that agent's sessions (each a `SessionPort`: deliver a message, take fair
 * turns, close), its options, run directory and log. Not the platform, not other agents.
 */
export interface TransportEnv extends SessionOpener, Partial<HwAccess> {
  /** Options from the agent's `transport` table, after the transport checked them. */
  readonly options: Record<string, unknown>;
  /** Directory for sockets and other run-time files. */
  readonly runDir: string;
  /** Where the transport logs; use `log.once` for what a guest can trigger repeatedly. */
  readonly log: Logger;
  /**
   * The server's state directory (the vote journal's), where a transport may keep what must
   * outlive a restart; absent or null: nothing is kept.
   */
  readonly stateDir?: string | null;
  /**
   * Directory of the manifest that declared the agent, against which relative paths in its
   * options are read; absent: the working directory.
   */
  readonly manifestDir?: string;
}

/** A running transport instance. */
export interface TransportHandle {
  /** Where agents reach it, for the startup summary, e.g. `unix:/run/vscmi/vm1.sock`. */
  readonly address: string;
  /** Whether it can carry notifications and delayed responses. */
  readonly p2a: boolean;
  /** Stops accepting and closes every session it opened. */
  close(): Promise<void>;
}

/**
 * Something an endpoint listens on, which no other endpoint of the deployment may take:
 * `unix:PATH` (a relative path is under the run directory) or `tcp:HOST:PORT` (a fixed port).
 */
export interface ListenAddress {
  /** `unix:PATH` or `tcp:HOST:PORT`. */
  readonly address: string;
  /** The option that chose it; undefined when it is the default. */
  readonly option?: string;
}

/**
 * A range of addresses that one endpoint holds alone within a space the transport names, such
 * as a device's MMIO window in one zone of one hypervisor bridge: the manifest loader refuses an
 * endpoint whose range overlaps another's in the same space, at the option that placed it.
 */
export interface HeldRange {
  /**
   * What the range is in; ranges are compared only within one space, and the message names it
   * (e.g. `zone 1 on "/dev/hvisor"`).
   */
  readonly space: string;
  /** What the range is, with its article, for the message (e.g. `an MMIO window`). */
  readonly what: string;
  /** First address. */
  readonly start: number;
  /** Length in bytes, at least 1. */
  readonly size: number;
  /** The option that placed it, where an overlap is reported. */
  readonly option: string;
}

/** What a transport's option check found out about one agent's endpoint. */
export interface CheckedTransport {
  /** What the endpoint will listen on. */
  readonly listens?: readonly ListenAddress[];
  /** Address ranges no other endpoint's may overlap. */
  readonly holds?: readonly HeldRange[];
}

/**
 * What an acknowledged vote survives: a crash of vscmi (`process`: written before the reply)
 * or also a crash of the host kernel (`host`: fdatasync before the reply). See the README's
 * "Durability".
 */
export type Durability = "process" | "host";

/**
 * A transport type, as registered: its api major, name, summary, options, and how to start an
 * instance. Made with {@linkcode defineTransport}.
 */
export interface TransportDef extends OptionsDecl {
  /**
   * The vscmi API major this transport was written for (`API_MAJOR` when written
   * against this API). A transport type stating another major is refused at startup.
   */
  readonly api: number;
  /** Type name used in `transport = { type = "…" }`. */
  readonly name: string;
  /** One line for `vscmi check` and error messages. */
  readonly summary: string;
  /** Option name → one-line description; any other option is an error. */
  readonly options: Readonly<Record<string, string>>;
  /**
   * The journal durability a deployment of its agents gets unless `[platform] durability`
   * says otherwise (default `process`): `host` where the host kernel can fail while guests
   * keep running (partitioning hypervisors). A deployment takes the strictest of its agents'.
   */
  readonly durability?: Durability;
  /**
   * Checks one agent's options (only declared names reach it): throws OptionError naming
   * the option and what it expects. The manifest loader runs it for every agent, so
   * `vscmi check` refuses whatever `start` would; `start` runs it again before it is called.
   * Returns what the endpoint will listen on and the address ranges it holds, so that two
   * endpoints never take the same address nor overlapping ranges.
   */
  checkOptions?(
    options: Readonly<Record<string, unknown>>,
    agent: string,
  ): CheckedTransport | void;
  /**
   * Starts one instance for the agent in `env`; resolves with its handle once agents can
   * reach it.
   */
  start(env: TransportEnv): Promise<TransportHandle>;
  /** Configuration formats `vscmi import` converts into deployments using this transport. */
  readonly importers?: readonly Importer[];
  /**
   * Its part of the device-tree fragment `vscmi dt` prints for one agent's guest: how the
   * guest finds the channel, the SCMI node's compatible and extra properties, nodes beside
   * it. Absent: `vscmi dt` cannot describe this transport's guests.
   */
  guestDt?(view: GuestDtView): GuestDt;
}

/** One agent's transport, as `vscmi dt` shows it to {@linkcode TransportDef.guestDt}. */
export interface GuestDtView {
  /** The agent's name. */
  readonly agent: string;
  /** Its transport options, as the manifest gives them (already checked). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** A transport's part of a guest's device-tree fragment. */
export interface GuestDt {
  /** How the guest reaches vscmi, one or more sentences for the fragment's head comment. */
  readonly comment: string;
  /** `compatible` of the `firmware/scmi` node; default `"arm,scmi-virtio"`. */
  readonly compatible?: string;
  /** More properties of the `firmware/scmi` node, one per line, unindented. */
  readonly properties?: readonly string[];
  /** Nodes at the root of the fragment, before `firmware`, as lines indented from the root. */
  readonly nodes?: readonly string[];
}

/**
 * Declares a transport type; checks the definition's shape once and freezes it. The `start`
 * it returns checks the options first (unknown names, then `checkOptions`), throwing TypeError
 * that names the agent and the option.
 *
 * @param def The transport type: its api major, name, summary, options and `start`.
 * @returns The same definition, frozen, to list in the registry.
 * @throws {TypeError} when the name is not lower-case letters, digits and '-', or `api` is not
 * a positive integer.
 */
export function defineTransport(def: TransportDef): TransportDef {
  checkApiField(`Transport "${def.name}"`, def.api);
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
    throw new TypeError(
      `Transport name must be lower-case letters, digits and '-': got "${def.name}"`,
    );
  }
  const checked: TransportDef = { ...def, options: Object.freeze({ ...def.options }) };
  return Object.freeze({
    ...checked,
    start(env: TransportEnv): Promise<TransportHandle> {
      try {
        checkTransportOptions(checked, env.options, env.agent.name);
      } catch (e) {
        return Promise.reject(e);
      }
      return def.start(env);
    },
  });
}

/**
 * Runs `def`'s option declaration on one agent's options, outside the manifest loader
 * (which reports the same problems with their location): throws TypeError
 * `Agent "…": "<type>" transport: <option>: Expected …, got …`.
 */
export function checkTransportOptions(
  def: TransportDef,
  options: Readonly<Record<string, unknown>>,
  agent: string,
): CheckedTransport {
  const check = def.checkOptions;
  return assertOptions(
    `Agent "${agent}": "${def.name}" transport`,
    `the "${def.name}" transport`,
    def,
    options,
    check && (() => check(options, agent)),
  ) ?? {};
}
