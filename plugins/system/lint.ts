/**
 * What `vscmi check` warns about system power: an untrusted agent whose
 * SYSTEM_POWER_STATE_SET may act beyond its own VM — a `command` that runs a host power
 * command (shutdown, reboot, systemctl …) or has no `{state}` argument (every state then runs
 * the same command), or a `qmp` socket another agent also drives.
 * @module
 */
import type { Deployment, LintFinding } from "../../mod.ts";
import { basename } from "node:path";
import { systemPowerKey } from "./power_key.ts";

/** Commands that act on the machine they run on, not on one VM. */
const HOST_POWER_COMMANDS = new Set([
  "shutdown",
  "poweroff",
  "reboot",
  "halt",
  "systemctl",
  "init",
  "telinit",
  "loginctl",
]);

/** The agents whose system_power action reaches beyond their own VM. */
export function systemPowerLint(dep: Deployment): LintFinding[] {
  const out: LintFinding[] = [];
  const sockets = new Map<string, string>();
  dep.agents.forEach((a, i) => {
    const sp = systemPowerKey.of(a);
    const at = ["agent", i, "system_power"];
    if (sp?.action === "qmp") {
      const other = sockets.get(sp.socket);
      if (other !== undefined) {
        out.push({
          file: dep.file,
          path: [...at, "socket"],
          message: `Agent "${a.name}" drives the QMP socket of agent "${other}": either can ` +
            `shut down or reset the other's VM`,
        });
      } else sockets.set(sp.socket, a.name);
    }
    if (a.trusted || sp?.action !== "command") return;
    const cmd = basename(sp.argv[0]);
    if (HOST_POWER_COMMANDS.has(cmd)) {
      out.push({
        file: dep.file,
        path: [...at, "argv", 0],
        message: `Agent "${a.name}" is not trusted, but its system_power command "${cmd}" ` +
          `acts on the host, not on the agent's own VM`,
      });
    } else if (!sp.argv.some((arg) => arg.includes("{state}"))) {
      out.push({
        file: dep.file,
        path: [...at, "argv"],
        message: `Agent "${a.name}" is not trusted, and its system_power command has no ` +
          `"{state}" argument: shutdown, resets and suspend all run the same command`,
      });
    }
  });
  return out;
}
