/**
 * The system plugin's key of `[[agent]]` tables, `system_power`: what SYSTEM_POWER_STATE_SET
 * from the agent does. A guest's request concerns its own VM; `board` acts on the whole
 * system through the board driver (trusted agents only).
 *
 * ```toml
 * [agent.system_power]
 * action = "qmp"              # or "deny", "board", "command"
 * socket = "/run/vm1.qmp"     # qmp: the VM's monitor socket, relative to the manifest
 * # argv = ["virsh", "{state}", "vm1"]   # command: {state}, {graceful} substituted
 * ```
 * @module
 */
import { z } from "zod";
import { type Agent, defineAgentKey, type HasSettings, schema as builders } from "../../mod.ts";

const { list, table } = builders;

/** What SYSTEM_POWER_STATE_SET from an agent does. */
export type SystemPowerDecl =
  | { action: "deny" }
  | { action: "board" }
  /** Send QMP commands to the VM's monitor socket (system_reset, system_powerdown, quit…). */
  | { action: "qmp"; socket: string }
  /**
   * Run a command; `{state}` in any argument becomes shutdown, cold-reset, warm-reset,
   * power-up or suspend, and `{graceful}` becomes graceful or forceful.
   */
  | { action: "command"; argv: string[] };

const schema = z.discriminatedUnion("action", [
  table({ action: z.literal("deny") }),
  table({ action: z.literal("board") }),
  table({ action: z.literal("qmp"), socket: z.string({ error: "a path to a QMP socket" }) }),
  table({
    action: z.literal("command"),
    argv: list(z.string({ error: "a string" }), "a non-empty array of strings").min(1, {
      error: "a non-empty array of strings",
    }),
  }),
], { error: 'a table with action = "deny", "board", "qmp" or "command"' });

/** `system_power = { action = … }` in an `[[agent]]` table; a `qmp` socket made absolute. */
export const systemPowerKey = defineAgentKey({
  name: "system_power",
  schema,
  read(c, path, sp: z.output<typeof schema>): SystemPowerDecl {
    switch (sp.action) {
      case "board":
        if (!c.trusted) {
          c.report(
            [...path, "action"],
            `Expected "deny", "qmp" or "command" for an agent that is not trusted, got "board"`,
          );
        }
        return { action: "board" };
      case "deny":
        return { action: "deny" };
      case "qmp":
        return { action: "qmp", socket: c.path(sp.socket) };
      case "command":
        return { action: "command", argv: sp.argv };
    }
  },
});

/**
 * What SYSTEM_POWER_STATE_SET does for `agent`: its `system_power`, or by default `board`
 * for a trusted agent and `deny` for any other.
 *
 * @param agent A running agent.
 * @returns Its action.
 */
export function systemPowerOf(agent: Pick<Agent, "trusted"> & HasSettings): SystemPowerDecl {
  return systemPowerKey.of(agent) ?? { action: agent.trusted ? "board" : "deny" };
}
