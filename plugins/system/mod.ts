/**
 * The System power management protocol (0x12, DEN0056 §4.4), versions 1.0, 2.0 and 2.1.
 *
 * - 1.0: SYSTEM_POWER_STATE_SET, SYSTEM_POWER_STATE_GET (not for an agent denied system
 *   power: NOT_SUPPORTED), SYSTEM_POWER_STATE_NOTIFY; the SYSTEM_POWER_STATE_NOTIFIER payload
 *   is 12 bytes.
 * - 2.0: SYSTEM_POWER_STATE_GET is gone; the notifier gains `timeout` (16 bytes).
 * - 2.1: NEGOTIATE_PROTOCOL_VERSION (answered by the core).
 *
 * PROTOCOL_ATTRIBUTES is all reserved bits; warm-reset and suspend support are bits 31 and
 * 30 of PROTOCOL_MESSAGE_ATTRIBUTES for SYSTEM_POWER_STATE_SET, computed for the asking
 * agent.
 *
 * What a set does is the agent's `system_power` action (see `power_key.ts`):
 * - `deny`: DENIED.
 * - `board` (trusted agents only; startup fails otherwise): every *other* agent's session
 *   that subscribed gets SYSTEM_POWER_STATE_NOTIFIER first (graceful requests carry the
 *   board's graceful timeout), then the board driver acts on the whole system.
 * - `qmp` / `command`: the agent's own VM, through `actions.ts`; any failure
 *   answers HARDWARE_ERROR. Power-up is for agents managing others: a `qmp` VM cannot be
 *   powered up by itself, a `command` needs a trusted agent.
 * Reserved flag bits or a reserved state (5 … 0x7FFFFFFF) answer INVALID_PARAMETERS; a
 * state the action cannot reach answers NOT_SUPPORTED. The reply goes out once the action
 * was accepted.
 * @module
 */
import {
  type AgentView,
  causerFor,
  type Ctx,
  defineProtocol,
  isScmiError,
  type Logger,
  type Outcome,
  type Receiver,
  Status,
} from "../../mod.ts";
import { systemHw } from "./hw.ts";
import { SYSTEM_STATE_VENDOR, type SystemHw, SystemState } from "./hw.ts";
import { ACTION_TIMEOUT_MS, commandAction, qmpAction, qmpCommandFor } from "./actions.ts";
import { SystemEvent, SystemMsg, SystemSetAttr, SystemVersion } from "./msg.ts";
import { systemCall } from "./call.ts";
import { systemPowerLint } from "./lint.ts";
import { systemPowerKey, systemPowerOf } from "./power_key.ts";

export { SystemEvent, SystemMsg, SystemSetAttr };
export { type SystemPowerDecl, systemPowerKey, systemPowerOf } from "./power_key.ts";

const GRACEFUL = 1;

/** Per-session state. */
export interface SystemSession {
  /** The session asked for SYSTEM_POWER_STATE_NOTIFIER. */
  subscribed: boolean;
}

/** Protocol-wide state. */
export interface SystemShared {
  /** The board's system controller, if it has one. */
  readonly hw: SystemHw | undefined;
  readonly log: Logger;
  /** Time limit of a `qmp` or `command` action, ms. */
  readonly timeoutMs: number;
  /** Every open system power session, for SYSTEM_POWER_STATE_NOTIFIER. */
  readonly receivers: Iterable<Receiver<SystemSession>>;
}

type SCtx = Ctx<SystemSession, SystemShared>;

/** Throws TypeError when `agent`'s system power action is malformed or not allowed to it. */
function checkAction(agent: AgentView): void {
  const d = systemPowerOf(agent);
  const where = `Agent "${agent.name}": systemPower action "${d.action}"`;
  switch (d.action) {
    case "deny":
      return;
    case "board":
      if (!agent.trusted) {
        throw new TypeError(`${where} acts on the whole system: only a trusted agent may have it`);
      }
      return;
    case "qmp":
      if (typeof d.socket !== "string" || d.socket === "") {
        throw new TypeError(`${where} needs the VM's QMP socket path`);
      }
      return;
    case "command":
      if (
        !Array.isArray(d.argv) || d.argv.length === 0 || d.argv.some((a) => typeof a !== "string")
      ) {
        throw new TypeError(`${where} needs argv: a non-empty list of strings`);
      }
      return;
    default: {
      const other: { action?: unknown } = d;
      throw new TypeError(`Agent "${agent.name}": unknown systemPower action ${other.action}`);
    }
  }
}

/** Whether this agent's action can bring the system (or its VM) to `state`. */
function supports(ctx: SCtx, state: number): boolean {
  const d = systemPowerOf(ctx.agent);
  switch (d.action) {
    case "deny":
      return false;
    case "board": {
      const hw = ctx.shared.hw;
      if (!hw) return false;
      return hw.supports ? hw.supports(state) : state <= SystemState.SUSPEND;
    }
    case "qmp":
      return qmpCommandFor(state, false) !== undefined;
    case "command":
      return state <= SystemState.SUSPEND &&
        (state !== SystemState.POWER_UP || ctx.agent.trusted);
  }
}

/**
 * SYSTEM_POWER_STATE_NOTIFIER to every other agent's subscribed session. The `agent_id` is
 * the platform's (0): a guest is not told which agent acted ({@linkcode causerFor}).
 */
function announce(ctx: SCtx, state: number, graceful: boolean, timeout: number): void {
  const agent = ctx.agent.id;
  for (const c of ctx.shared.receivers) {
    if (c.agent.id === agent || !c.state.subscribed) continue;
    const size = c.version >= SystemVersion.V2 ? 16 : 12;
    c.notify(SystemEvent.SYSTEM_POWER_STATE_NOTIFIER, size, (w) => {
      w.u32(causerFor(c, agent));
      w.u32(graceful ? 1 : 0);
      w.u32(state);
      if (size === 16) w.u32(timeout);
    });
  }
}

/** Waits for a VM action; a failure is logged once and answered with its status. */
function settle(ctx: SCtx, state: number, action: Promise<void>): Promise<void | Status> {
  return action.then(() => undefined, (e: unknown) => {
    const why = e instanceof Error ? e.message : String(e);
    ctx.shared.log.once(
      "warn",
      `system:${ctx.agent.name}:${why}`,
      `system: state ${state} for agent "${ctx.agent.name}" failed: ${why}`,
    );
    return isScmiError(e) && e.status !== Status.GENERIC_ERROR ? e.status : Status.HARDWARE_ERROR;
  });
}

function stateSet(ctx: SCtx, state: number, graceful: boolean): Outcome {
  const d = systemPowerOf(ctx.agent);
  switch (d.action) {
    case "deny":
      return Status.DENIED;
    case "board": {
      const hw = ctx.shared.hw!;
      announce(ctx, state, graceful, graceful ? hw.gracefulTimeoutMs ?? 0 : 0);
      return hw.setState(state, graceful);
    }
    case "qmp":
      return settle(ctx, state, qmpAction(d.socket, state, graceful, ctx.shared));
    case "command":
      return settle(ctx, state, commandAction(d.argv, state, graceful, ctx.shared));
  }
}

export const systemProtocol = defineProtocol<SystemSession, SystemShared>({
  api: 1,
  id: 0x12,
  name: "system",
  call: systemCall,
  lint: systemPowerLint,
  agentKeys: [systemPowerKey],
  dt: { label: "scmi_sys" },
  versions: [SystemVersion.V1, SystemVersion.V2, SystemVersion.V2_1],
  setup(env) {
    for (const a of env.agents.list()) checkAction({ ...a, settings: env.settingsOf(a.id) ?? {} });
    return {
      hw: systemHw.whole(env.hw),
      log: env.log,
      timeoutMs: ACTION_TIMEOUT_MS,
      receivers: env.receivers,
    };
  },
  open(ctx) {
    checkAction(ctx.agent);
    return { subscribed: false };
  },
  commands: {
    /** PROTOCOL_ATTRIBUTES. a2p: —. p2a: u32 attributes (reserved, 0). */
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run(_ctx, m) {
        m.w.u32(0);
      },
    },
    /**
     * SYSTEM_POWER_STATE_SET. a2p: u32 flags (bit 0 graceful, 31:1 reserved),
     * u32 system_state (0 shutdown, 1 cold reset, 2 warm reset, 3 power-up, 4 suspend,
     * 0x80000000+ vendor). p2a: —. Message attributes: bit 31 warm reset, bit 30 suspend.
     */
    [SystemMsg.SYSTEM_POWER_STATE_SET]: {
      name: "SYSTEM_POWER_STATE_SET",
      params: 8,
      a2p: "flags system_state",
      attributes: (ctx) =>
        (supports(ctx, SystemState.WARM_RESET) ? SystemSetAttr.WARM_RESET : 0) |
        (supports(ctx, SystemState.SUSPEND) ? SystemSetAttr.SUSPEND : 0),
      run(ctx, m) {
        const flags = m.r.u32();
        const state = m.r.u32();
        if ((flags & ~GRACEFUL) !== 0) return Status.INVALID_PARAMETERS;
        if (state > SystemState.SUSPEND && state < SYSTEM_STATE_VENDOR) {
          return Status.INVALID_PARAMETERS;
        }
        if (systemPowerOf(ctx.agent).action === "deny") return Status.DENIED;
        if (!supports(ctx, state)) return Status.NOT_SUPPORTED;
        return stateSet(ctx, state, (flags & GRACEFUL) !== 0);
      },
    },
    /**
     * SYSTEM_POWER_STATE_GET (1.0 only). a2p: —. p2a: u32 system_state: power-up (3), as
     * the platform answering is running. Only for an agent that may act on system power: one
     * denied it gets NOT_SUPPORTED (and PROTOCOL_MESSAGE_ATTRIBUTES NOT_FOUND).
     */
    [SystemMsg.SYSTEM_POWER_STATE_GET]: {
      name: "SYSTEM_POWER_STATE_GET",
      params: 0,
      available: (ctx) =>
        ctx.version < SystemVersion.V2 && systemPowerOf(ctx.agent).action !== "deny",
      run(_ctx, m) {
        m.w.u32(SystemState.POWER_UP);
      },
    },
    /**
     * SYSTEM_POWER_STATE_NOTIFY. a2p: u32 notify_enable (bit 0). p2a: —. Subscribes this
     * session to SYSTEM_POWER_STATE_NOTIFIER.
     */
    [SystemMsg.SYSTEM_POWER_STATE_NOTIFY]: {
      name: "SYSTEM_POWER_STATE_NOTIFY",
      params: 4,
      a2p: "notify_enable",
      available: (ctx) => ctx.canNotify,
      run(ctx, m) {
        const enable = m.r.u32();
        if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
        ctx.state.subscribed = enable === 1;
      },
    },
  },
  events: {
    [SystemEvent.SYSTEM_POWER_STATE_NOTIFIER]: {
      name: "SYSTEM_POWER_STATE_NOTIFIER",
      p2a: "agent_id flags system_state timeout",
    },
  },
});
