/**
 * The `forward` board driver: vscmi as one agent of a downstream SCMI platform (firmware, or
 * another vscmi), a mediator. This platform's agents are served with its own policy and
 * arbitration; what they may do reaches the downstream with the downstream's ids, one merged
 * vote per resource. The downstream is a stream socket (`socket`) or Linux's SCMI raw mode
 * (`raw`, for bring-up). A request the downstream does not answer within `timeout_ms` is
 * COMMS_ERROR for the guest; the link connects again one timeout later (or at the next request)
 * and sends again what the downstream must hold. Classes: clock, reset, power, perf, voltage,
 * sensor, powercap, pinctrl, and system when the downstream serves it. `vscmi discover --forward SOCKET|RAWDIR`
 * writes the board.
 * @module
 */
import { defineDriver } from "../../../core/driver.ts";
import type { BoardDriver, DriverEnv } from "../../../core/driver.ts";
import { systemClock, type TimerClock } from "../../../core/timer_clock.ts";
import { hwAccessOf, hwPath } from "../../../core/hw_root.ts";
import { createForwardClock } from "./clock.ts";
import { Link } from "./link.ts";
import { downstreamOf } from "./downstream.ts";
import { FORWARD_OPTIONS, forwardOptions } from "./options.ts";
import { createForwardPower } from "./power.ts";
import { Replay } from "./replay.ts";
import { createForwardReset } from "./reset.ts";
import { createForwardVoltage } from "./voltage.ts";
import { createForwardSensor } from "./sensor.ts";
import { createForwardPowercap } from "./powercap.ts";
import { createForwardPinctrl } from "./pinctrl.ts";
import { createForwardPerf } from "./perf.ts";
import { perfKind } from "../../../plugins/perf/kind.ts";
import { forwardDiscovery, listProtocols } from "./discover.ts";
import { createForwardSystem, SYSTEM } from "./system.ts";

/** What tests inject: the clock timeouts are measured on. */
export interface ForwardDeps {
  /** Where request timeouts run (default: the system clock). */
  clock?: TimerClock;
}

/** The forward driver type, with its request timeouts on `deps.clock`. */
export function forwardDriverWith(deps: ForwardDeps = {}) {
  return defineDriver({
    api: 1,
    name: "forward",
    summary: "A downstream SCMI platform (stream socket or Linux raw mode): vscmi as its agent",
    options: FORWARD_OPTIONS,
    paths: ["socket", "raw"],
    checkOptions: forwardOptions,
    create: (env) => createForward(env, deps),
    discover: forwardDiscovery,
  });
}

/** The forward driver type. */
export const forwardDriver = forwardDriverWith();

/** Connects to the downstream and backs every resource class the board gives this driver. */
export async function createForward(env: DriverEnv, deps: ForwardDeps = {}): Promise<BoardDriver> {
  const o = forwardOptions(env.options);
  const clock = deps.clock ?? systemClock;
  const { hwRoot } = hwAccessOf(env);
  const { connect, what } = downstreamOf(o.downstream, clock, hwRoot);
  if (o.downstream.kind === "raw") await warnSharedAgent(env, hwRoot);
  const link = new Link({
    connect,
    clock,
    timeoutMs: o.timeoutMs,
    what,
    log: env.log,
  });
  try {
    const replay = new Replay(link, hwAccessOf(env).dryRun, env.log);
    await link.open();
    const clocks = await createForwardClock(link, replay, env.board, env.name);
    const protocols = await listProtocols(link);
    return {
      name: env.name,
      access: (cls, id) => cls === "clock" ? clocks.access(id) : { read: true, write: true },
      clock: clocks.hw,
      reset: createForwardReset(replay),
      power: await createForwardPower(link, replay, env.board, env.name),
      voltage: await createForwardVoltage(link, replay, env.board, env.name),
      sensor: await createForwardSensor(link, env.board, env.name, clock),
      powercap: await createForwardPowercap(link, replay, env.board, env.name),
      pinctrl: await createForwardPinctrl(link, replay, env.board, env.name),
      ...(protocols.includes(SYSTEM) ? { system: await createForwardSystem(link, replay) } : {}),
      ...(perfKind.of(env.board).some((d) => d.driver === env.name)
        ? { perf: await createForwardPerf(link, replay) }
        : {}),
      close: () => link.close(),
    };
  } catch (e) {
    link.close();
    throw new Error(
      `Driver "${env.name}" cannot reach the downstream ${what}: ${
        e instanceof Error ? e.message : e
      }`,
    );
  }
}

/**
 * Warns (at start, so `vscmi check` shows it) when the host kernel's own SCMI drivers are
 * bound: raw mode then shares the host's agent with vscmi, and nobody merges their votes.
 */
async function warnSharedAgent(env: DriverEnv, hwRoot: string): Promise<void> {
  const dir = hwPath(hwRoot, "/sys/bus/scmi_protocol/devices");
  const bound: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      try {
        await Deno.stat(`${dir}/${e.name}/driver`);
        bound.push(e.name);
      } catch {
        // Not bound to a driver.
      }
    }
  } catch {
    return; // No SCMI bus: the host kernel uses no SCMI channel.
  }
  if (bound.length === 0) return;
  env.log?.warn(
    `Driver "${env.name}": the host kernel's own SCMI drivers are bound (${bound.length} ` +
      `devices under ${dir}) and use the raw-mode channel's agent too: with raw mode's COEX ` +
      `option the host and vscmi share one agent whose votes nobody merges (raw mode is a test ` +
      `interface)`,
  );
}
