/**
 * Policy lint: what `vscmi check` warns about in a deployment that loads and builds, each
 * warning with its file, line and key path like a manifest problem. Warnings never fail the
 * check; overlapping virtual ids and contradictory bounds are errors of the manifest itself.
 *
 * - A value resource (clock, performance, voltage or power-capping domain) that several
 *   agents may change, with no arbitration policy declared for it — unless it supports only
 *   one value, where nothing is to arbitrate.
 * - A resource `[policy.keep_on]` keeps on that an untrusted agent may switch off: its
 *   "off" only withdraws its own vote, so say so with `access = "read"` or drop the keep.
 * - An untrusted agent that may act beyond its own VM through SYSTEM_POWER_STATE_SET: a
 *   `command` that runs a host power command (shutdown, reboot, systemctl …) or has no
 *   `{state}` argument (every state then runs the same command), or a `qmp` socket another
 *   agent also drives.
 * - Explicit virtual ids that leave ids unused (the agent finds NOT_FOUND there).
 * - Board resources that no device holds, no agent is granted and no other resource refers
 *   to (as a parent, a group's pin, a function's group); board devices no agent is granted.
 * - Limits of the Linux SCMI drivers: a clock that shows an agent speaking the clock
 *   protocol more than 16 discrete rates (`SCMI_MAX_NUM_RATES`: Linux rejects the clock; the
 *   agent's bounds count, since it is shown only the rates it may set); a pin group an agent
 *   speaking pin control sees without any of its pins (Linux rejects an empty group); an
 *   agent granted pin control but no pin. A performance domain with more than 64 levels is
 *   not linted: the performance protocol warns about it when the platform is built, which
 *   `vscmi check` does too, so it is said once.
 * @module
 */
import { basename } from "node:path";
import { type Board, RESOURCE_KINDS, type ResourceKind } from "../board.ts";
import { ALL_RIGHTS } from "../grants.ts";
import { FileLocator } from "../manifest/locate.ts";
import { KIND_NOUN } from "../manifest/board_schema.ts";
import { type KeyPath, keyPathString, type Problem, sortProblems } from "../manifest/problem.ts";
import { isValueKind, type ValueKind } from "../manifest/policy_schema.ts";
import type { AgentDecl, Deployment } from "../manifest/types.ts";
import { stepsOf } from "../manifest/value_steps.ts";
import { Right } from "../protocol.ts";
import type { Bounds } from "../grants.ts";

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

/** What each value kind does when no policy is declared. */
const DEFAULT_POLICY: Record<ValueKind, string> = {
  clock: "the last request wins",
  perf: "the last request wins",
  voltage: "the highest request inside every requester's range wins",
  powercap: "the lowest cap wins",
};

interface Finding {
  file: string;
  path: KeyPath;
  at?: "key" | "value";
  message: string;
}

/**
 * Lints the policy of a loaded deployment; resolves to its warnings, in file and line order.
 *
 * @example
 * ```ts ignore
 * import { loadDeployment } from "../manifest/mod.ts";
 * import { formatProblem } from "../manifest/problem.ts";
 * for (const w of await lintPolicy(await loadDeployment("vscmi.toml"))) {
 *   console.error(`warning: ${formatProblem(w)}`);
 * }
 * ```
 */
export async function lintPolicy(dep: Deployment): Promise<Problem[]> {
  const found: Finding[] = [
    ...sharedWithoutPolicy(dep),
    ...keptButSwitchable(dep),
    ...systemWide(dep),
    ...unusedVirtualIds(dep),
    ...unusedResources(dep),
    ...tooManyRates(dep),
    ...emptyGroups(dep),
    ...pinctrlWithoutPins(dep),
  ];
  const where = new FileLocator();
  const out: Problem[] = [];
  for (const f of found) {
    const { line, column } = await where.find(f.file, f.path, f.at ?? "value");
    out.push({ file: f.file, line, column, keyPath: keyPathString(f.path), message: f.message });
  }
  return sortProblems(out);
}

/** Rights `a` holds on physical `phys` of `kind`, or 0 when it is not granted. */
function rightsOf(a: AgentDecl, kind: ResourceKind, phys: number): number {
  if (!(a.grants[kind] ?? []).includes(phys)) return 0;
  return a.access?.[kind]?.get(phys)?.rights ?? ALL_RIGHTS;
}

/** Where `a` (agent `i`) is granted `phys` of `kind` first. */
function origin(a: AgentDecl, i: number, kind: ResourceKind, phys: number): KeyPath {
  return a.origins?.[kind]?.get(phys) ?? ["agent", i];
}

function sharedWithoutPolicy(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  for (const kind of RESOURCE_KINDS) {
    if (!isValueKind(kind)) continue;
    for (const r of dep.board[kind]) {
      if (r.policy !== undefined) continue;
      const steps = stepsOf(dep.board, kind, r.id);
      if (steps?.kind === "list" && steps.values.length <= 1) continue;
      if (steps?.kind === "range" && steps.min === steps.max) continue;
      const writers = dep.agents.flatMap((a, i) =>
        (rightsOf(a, kind, r.id) & Right.WRITE) !== 0 ? [{ a, i }] : []
      );
      if (writers.length < 2) continue;
      const { a, i } = writers[1];
      out.push({
        file: dep.file,
        path: origin(a, i, kind, r.id),
        message: `${noun(kind)} "${r.name}" is shared by agents ${
          writers.map((w) => `"${w.a.name}"`).join(", ")
        } without an arbitration policy, so ${DEFAULT_POLICY[kind]}: set [policy.${kind}] ${
          bareKey(r.name)
        } = "max", "min", "exclusive" or "last"`,
      });
    }
  }
  return out;
}

function keptButSwitchable(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  for (const kind of ["clock", "power", "voltage"] as const) {
    for (const r of dep.board[kind]) {
      if (!r.kept) continue;
      dep.agents.forEach((a, i) => {
        if (a.trusted || (rightsOf(a, kind, r.id) & Right.WRITE) === 0) return;
        out.push({
          file: dep.file,
          path: origin(a, i, kind, r.id),
          message: `Agent "${a.name}" may switch off ${KIND_NOUN[kind]} "${r.name}", which ` +
            `[policy.keep_on] keeps on: its "off" only withdraws its own vote; grant it with ` +
            `access = "read" if the agent is not to control it`,
        });
      });
    }
  }
  return out;
}

function systemWide(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  const sockets = new Map<string, string>();
  dep.agents.forEach((a, i) => {
    const sp = a.systemPower;
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

function unusedVirtualIds(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  dep.agents.forEach((a, i) => {
    for (const kind of RESOURCE_KINDS) {
      const ids = a.grants[kind] ?? [];
      const holes = ids.filter((p) => p < 0).length;
      if (holes === 0) continue;
      out.push({
        file: dep.file,
        path: ["agent", i, kind],
        at: "key",
        message: `Agent "${a.name}" sees ${KIND_NOUN[kind]} virtual ids 0 to ${
          ids.length - 1
        }, ${holes} of them unused: it finds NOT_FOUND there`,
      });
    }
  });
  return out;
}

function unusedResources(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  const board = dep.board;
  const referenced = references(board);
  for (const kind of RESOURCE_KINDS) {
    board[kind].forEach((r, j) => {
      if (referenced[kind].has(r.id)) return;
      if (board.devices.some((d) => d.resources[kind]?.includes(r.id))) return;
      if (dep.agents.some((a) => (a.grants[kind] ?? []).includes(r.id))) return;
      out.push({
        file: dep.boardFile,
        path: [kind, j],
        at: "key",
        message: `${noun(kind)} "${r.name}" is in no device, granted to no agent and no ` +
          `other resource refers to it`,
      });
    });
  }
  board.devices.forEach((d, j) => {
    if (dep.agents.some((a) => a.devices.includes(d.id))) return;
    out.push({
      file: dep.boardFile,
      path: ["device", j],
      at: "key",
      message: `Device "${d.name}" is granted to no agent`,
    });
  });
  return out;
}

/** Linux's `SCMI_MAX_NUM_RATES`: a clock listing more discrete rates is rejected. */
export const LINUX_MAX_RATES = 16;

const CLOCK_PROTOCOL = 0x14;
const PINCTRL_PROTOCOL = 0x19;

/** Whether agent `a` is granted protocol `id`. */
function speaks(a: AgentDecl, id: number): boolean {
  return a.protocols.some((p) => p.id === id);
}

/** Whether bounds `b` (none: everything) admit `v`. */
function admits(b: Bounds | undefined, v: number): boolean {
  if (b === undefined) return true;
  if ((b.min !== undefined && v < b.min) || (b.max !== undefined && v > b.max)) return false;
  return b.values === undefined || b.values.includes(v);
}

function tooManyRates(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  dep.board.clock.forEach((c, j) => {
    if (c.rates.kind !== "list" || c.rates.rates.length <= LINUX_MAX_RATES) return;
    const list = c.rates.rates;
    const over: string[] = [];
    for (const a of dep.agents) {
      if (!speaks(a, CLOCK_PROTOCOL) || !(a.grants.clock ?? []).includes(c.id)) continue;
      const b = a.access?.clock?.get(c.id)?.bounds;
      const shown = list.filter((r) => admits(b, r)).length;
      if (shown > LINUX_MAX_RATES) over.push(`"${a.name}" (${shown})`);
    }
    if (over.length === 0) return;
    out.push({
      file: dep.boardFile,
      path: ["clock", j, "rates"],
      at: "key",
      message:
        `Clock "${c.name}" shows more than ${LINUX_MAX_RATES} rates to agents ${
          over.join(", ")
        }: Linux rejects a clock with more (SCMI_MAX_NUM_RATES); bound the rates each agent ` +
        `may set ([[agent.clock]] min, max or rates)`,
    });
  });
  return out;
}

function emptyGroups(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  dep.agents.forEach((a, i) => {
    if (!speaks(a, PINCTRL_PROTOCOL)) return;
    const pins = new Set(a.grants.pin ?? []);
    for (const phys of a.grants.group ?? []) {
      const g = dep.board.group.find((x) => x.id === phys);
      if (g === undefined || g.pins.length === 0 || g.pins.some((p) => pins.has(p))) continue;
      out.push({
        file: dep.file,
        path: origin(a, i, "group", phys),
        message: `Agent "${a.name}" sees pin group "${g.name}" but none of its pins: Linux ` +
          `rejects a group without pins; grant it some of ${
            g.pins.map((p) => `"${dep.board.pin.find((x) => x.id === p)?.name ?? p}"`).join(", ")
          } or drop the group`,
      });
    }
  });
  return out;
}

function pinctrlWithoutPins(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  dep.agents.forEach((a, i) => {
    if (!speaks(a, PINCTRL_PROTOCOL)) return;
    if ((a.grants.pin ?? []).some((p) => p >= 0)) return;
    out.push({
      file: dep.file,
      path: ["agent", i, "protocols"],
      at: "key",
      message: `Agent "${a.name}" is granted pin control but no pin: its guest's pin ` +
        `controller has nothing to drive; grant pins or drop "pinctrl" from its protocols`,
    });
  });
  return out;
}

/** Physical ids other resources refer to: parents, groups' pins, functions' groups and pins. */
function references(board: Board): Record<ResourceKind, Set<number>> {
  const refs = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, new Set<number>()])) as Record<
    ResourceKind,
    Set<number>
  >;
  for (const c of board.clock) {
    for (const p of c.parents) refs.clock.add(p);
    if (c.parent !== undefined) refs.clock.add(c.parent);
  }
  for (const d of board.power) if (d.parent !== undefined) refs.power.add(d.parent);
  for (const d of board.powercap) if (d.parent !== undefined) refs.powercap.add(d.parent);
  for (const g of board.group) for (const p of g.pins) refs.pin.add(p);
  for (const f of board.function) {
    for (const g of f.groups) refs.group.add(g);
    for (const p of f.pins ?? []) refs.pin.add(p);
  }
  for (const p of board.pin) if (p.function !== undefined) refs.function.add(p.function);
  return refs;
}

function noun(kind: ResourceKind): string {
  const n: string = KIND_NOUN[kind];
  return n[0].toUpperCase() + n.slice(1);
}

/** A resource name as a TOML key. */
function bareKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}
