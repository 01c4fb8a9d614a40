/**
 * What a shmem binding provides the transport: the agent's shared memory, its traps
 * (doorbells) and its interrupts. The file binding (`bindings/file/`) serves tests, demos and
 * VMMs that share a file as guest memory; a hypervisor's trap source is another binding with
 * the same shape.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import type { ShmemMemory } from "./layout.ts";

/** SMCCC NOT_SUPPORTED (-1): the trap named no channel of this agent. */
export const SMCCC_NOT_SUPPORTED = 0xffff_ffff_ffff_ffffn;

/** What a binding is started with. */
export interface ShmemBindingEnv {
  /** The agent's name (the file binding names its files after it). */
  readonly agent: string;
  /** Directory for run-time files. */
  readonly runDir: string;
  /** Bytes of shared memory the agent's channels need. */
  readonly size: number;
  readonly log: Logger;
  /**
   * Handles one trap: a0–a3 as the guest passed them (a mailbox doorbell: a0 = channel
   * number). Resolves with the SMCCC a0 to return once the response is in the channel: 0, or
   * {@linkcode SMCCC_NOT_SUPPORTED} when the trap names no channel of the agent.
   */
  doorbell(a0: bigint, a1: bigint, a2: bigint, a3: bigint): Promise<bigint>;
  /** Called when the binding becomes able to deliver interrupts (a listener arrived). */
  interruptsReady(): void;
}

/** A started binding. */
export interface ShmemBindingHandle {
  /** The agent's shared memory, `size` bytes. */
  readonly memory: ShmemMemory;
  /** Where the agent's side reaches it, for the startup summary. */
  readonly address: string;
  /** Whether an interrupt raised now reaches the agent. */
  readonly canInterrupt: boolean;
  /** Raises the agent's interrupt for channel `number`. */
  interrupt(number: number): void;
  /** Stops taking traps and releases what it created. */
  close(): Promise<void>;
}

/** A binding type, by the name agents give in `binding = "…"`. */
export interface ShmemBindingDef {
  readonly name: string;
  /** What the binding listens on for agent `agent` (`unix:PATH`, relative to the run dir). */
  listens(agent: string): readonly string[];
  start(env: ShmemBindingEnv): Promise<ShmemBindingHandle>;
}
