/**
 * The Base protocol (0x10, DEN0056 §4.2): discovery of the platform, its protocols and its
 * agents, error notifications, and the permission commands a trusted agent (a hypervisor)
 * uses to give devices to other agents.
 *
 * Versions spoken: 1.0, 2.0 and 2.1 (Linux supports 2.1). What each has:
 * - **1.0** (SCMI 1.0): PROTOCOL_VERSION, PROTOCOL_ATTRIBUTES, PROTOCOL_MESSAGE_ATTRIBUTES,
 *   DISCOVER_VENDOR, DISCOVER_SUB_VENDOR, DISCOVER_IMPLEMENTATION_VERSION,
 *   DISCOVER_LIST_PROTOCOLS, DISCOVER_AGENT and NOTIFY_ERRORS (0x0–0x8). DISCOVER_AGENT
 *   answers the name only, and 0xFFFFFFFF ("myself") does not exist (NOT_FOUND).
 * - **2.0** (SCMI 2.0 to 3.1): DISCOVER_AGENT answers `agent_id` then the name and accepts
 *   0xFFFFFFFF for the caller; the optional SET_DEVICE_PERMISSIONS (0x9),
 *   SET_PROTOCOL_PERMISSIONS (0xA) and RESET_AGENT_CONFIGURATION (0xB) appear. vscmi
 *   implements all three, so PROTOCOL_MESSAGE_ATTRIBUTES finds them from 2.0 on.
 * - **2.1** (SCMI 3.2): NEGOTIATE_PROTOCOL_VERSION (0x10). The core answers it for every
 *   session, within the agent's ceiling; 1.0 and 2.0 sessions are not refused it.
 *
 * Decisions where the specification leaves room (checks run in the order listed):
 * - DISCOVER_LIST_PROTOCOLS lists the protocols this agent may use, Base excluded, ascending;
 *   as many as fit the agent's message size, padded to 4 bytes, at least one when some
 *   remain (a channel too small for one answers COMMS_ERROR); `skip` past the count →
 *   INVALID_PARAMETERS, `skip` equal to it → an empty list.
 * - NOTIFY_ERRORS exists only for sessions with a platform→agent channel (otherwise
 *   PROTOCOL_MESSAGE_ATTRIBUTES says NOT_FOUND and the command NOT_SUPPORTED); reserved
 *   bits → INVALID_PARAMETERS. The subscription belongs to the session.
 * - Agents added and removed at run time (`vscmi ctl add-agent`/`remove-agent`): ids are
 *   never reused, so ids can have gaps. PROTOCOL_ATTRIBUTES num_agents is the highest id of
 *   an agent present; DISCOVER_AGENT and the permission commands answer NOT_FOUND for the id
 *   of a removed agent.
 * - Permission commands: untrusted caller → DENIED; `agent_id` other than 0 and the ids of
 *   agents present → NOT_FOUND; unknown `device_id` → NOT_FOUND; reserved bits in `flags` (or in `command_id`
 *   above the protocol byte) → INVALID_PARAMETERS; a protocol the platform lacks, or Base →
 *   NOT_FOUND; `agent_id` 0 (the platform, whose access no agent changes) → DENIED. A trusted
 *   agent may act on itself. What the grant table does is in `core/permissions.ts`.
 * - BASE_ERROR_EVENT (event 0x0): sent when the dispatcher answers PROTOCOL_ERROR to an
 *   agent, to every subscribed trusted agent and to the offender itself if it subscribed;
 *   see {@linkcode sendErrorEvent} for the payload and {@linkcode ErrorReporter} for the
 *   rate limit.
 *
 * Section numbers below are those of DEN0056C/D.
 * @module
 */
import {
  type AgentDirectory,
  type AgentIdentity,
  type Ctx,
  defineProtocol,
  type Logger,
  page,
  type Receiver,
  Status,
  type VendorInfo,
} from "../../mod.ts";
import { AGENT_SELF, BaseMsg } from "./msg.ts";
import { baseCall } from "./call.ts";

export { AGENT_SELF, BaseMsg };

/** Base protocol id. */
export const BASE_PROTOCOL = 0x10;

/** Protocol versions Base speaks, `(major << 16) | minor`. */
export const BaseVersion = { V1_0: 0x10000, V2_0: 0x20000, V2_1: 0x20001 } as const;

/** Per-session state. */
export interface BaseSession {
  /** NOTIFY_ERRORS enabled: this session receives BASE_ERROR_EVENT. */
  notifyErrors: boolean;
}

/** Protocol-wide state. */
export interface BaseShared {
  /** Rate-limits BASE_ERROR_EVENT and sends it to subscribers. */
  readonly errors: ErrorReporter;
  /** The platform's identity. */
  readonly vendor: VendorInfo;
  /** The agents on the platform, and the permission changes a trusted agent may make. */
  readonly agents: AgentDirectory;
}

type BaseCtx = Ctx<BaseSession, BaseShared>;

/** Number of protocols `ctx`'s session may use, Base excluded. */
function visibleCount(ctx: BaseCtx): number {
  let n = 0;
  for (const p of ctx.protocols()) if (p !== BASE_PROTOCOL) n++;
  return n;
}

/**
 * The agent `id` names while it is on the platform, or undefined (a removed agent's id
 * included); 0 (the platform) is handled by callers.
 */
function agentById(ctx: BaseCtx, id: number): AgentIdentity | undefined {
  return ctx.shared.agents.byId(id);
}

/**
 * num_agents of PROTOCOL_ATTRIBUTES: the highest id of an agent on the platform, so every
 * agent present has an id in 1..num_agents as clients expect (Linux walks DISCOVER_AGENT over
 * 0..num_agents-1). Without hot-plug this is the number of agents; after `vscmi ctl
 * remove-agent` the ids of removed agents below it are gaps that DISCOVER_AGENT answers
 * NOT_FOUND. At most 255 (an 8-bit field).
 */
function numAgents(ctx: BaseCtx): number {
  const agents = ctx.shared.agents.list();
  const last = agents.length === 0 ? 0 : agents[agents.length - 1].id;
  return Math.min(last, 0xff);
}

/** BASE_ERROR_EVENT's event id. */
export const BASE_ERROR_EVENT = 0x0;
/** Most message reports one BASE_ERROR_EVENT carries (8 keep it well inside 128 bytes). */
export const MAX_ERROR_REPORTS = 8;
/** Fewest milliseconds between two BASE_ERROR_EVENTs about the same agent. */
export const ERROR_EVENT_INTERVAL_MS = 1000;

/**
 * Sends §4.2.3.1 BASE_ERROR_EVENT about agent `offender`. p2a: u32 agent_id (the offender),
 * u32 error_status (bit 31 fatal, 30:10 reserved, 9:0 number of reports), then that many u64
 * reports, oldest first: bits 31:0 the header of a message that was answered
 * PROTOCOL_ERROR, bits 63:32 zero.
 *
 * Goes to every session that enabled NOTIFY_ERRORS whose agent is trusted, or is the
 * offender itself (an untrusted agent hears only about its own messages). Each gets the
 * most recent reports its message size holds. Returns how many sessions it was queued for.
 */
export function sendErrorEvent(
  receivers: Iterable<Receiver<BaseSession>>,
  offender: number,
  reports: readonly number[],
  fatal = false,
): number {
  let sent = 0;
  for (const ctx of receivers) {
    if (!ctx.state.notifyErrors) continue;
    if (!ctx.agent.trusted && ctx.agent.id !== offender) continue;
    const room = ctx.agent.maxMsgSize - 8;
    if (room < 0) continue;
    const n = Math.min(reports.length, Math.floor(room / 8), 0x3ff);
    const first = reports.length - n;
    const status = ((fatal ? 0x8000_0000 : 0) | n) >>> 0;
    const queued = ctx.notify(BASE_ERROR_EVENT, 8 + 8 * n, (w) => {
      w.u32(offender);
      w.u32(status);
      for (let i = first; i < reports.length; i++) {
        w.u32(reports[i]);
        w.u32(0);
      }
    });
    if (queued) sent++;
  }
  return sent;
}

/**
 * Turns the dispatcher's PROTOCOL_ERROR answers into BASE_ERROR_EVENTs without letting a
 * hostile agent flood anyone: at most one event per offending agent per `intervalMs`. Errors
 * inside the quiet window are held (up to {@linkcode MAX_ERROR_REPORTS} − 1) and go out with
 * the next event about that agent; past that they are counted in `dropped`. The first
 * malformed message of each agent is also logged, once.
 */
export class ErrorReporter {
  readonly #windows = new Map<number, { next: number; held: number[] }>();
  /** Agents whose first malformed message was logged. */
  readonly #logged = new Set<number>();
  /** Reports dropped because an agent's held reports were full. */
  dropped = 0;
  /** The clock, in milliseconds (replaceable in tests). */
  now: () => number = () => performance.now();

  constructor(
    readonly receivers: Iterable<Receiver<BaseSession>>,
    readonly log: Logger,
    readonly intervalMs = ERROR_EVENT_INTERVAL_MS,
  ) {}

  /** Records a message from `offender` answered PROTOCOL_ERROR; returns sessions notified. */
  report(offender: AgentIdentity, header: number): number {
    if (!this.#logged.has(offender.id)) {
      this.#logged.add(offender.id);
      this.log.warn(
        `Agent "${offender.name}" sent a malformed message: answered PROTOCOL_ERROR to header 0x${
          (header >>> 0).toString(16).padStart(8, "0")
        }`,
      );
    }
    const t = this.now();
    let win = this.#windows.get(offender.id);
    if (win === undefined) this.#windows.set(offender.id, win = { next: -Infinity, held: [] });
    if (t < win.next) {
      if (win.held.length < MAX_ERROR_REPORTS - 1) win.held.push(header);
      else this.dropped++;
      return 0;
    }
    win.next = t + this.intervalMs;
    win.held.push(header);
    const sent = sendErrorEvent(this.receivers, offender.id, win.held);
    win.held.length = 0;
    return sent;
  }
}

export const baseProtocol = defineProtocol<BaseSession, BaseShared>({
  api: 1,
  id: BASE_PROTOCOL,
  name: "base",
  call: baseCall,
  versions: [BaseVersion.V1_0, BaseVersion.V2_0, BaseVersion.V2_1],
  commands: {
    /**
     * §4.2.2.2 PROTOCOL_ATTRIBUTES. a2p: —. p2a: u32 attributes = num_protocols (7:0,
     * protocols this agent may use other than Base) | num_agents (15:8, see
     * {@linkcode numAgents}) | reserved (31:16).
     */
    [BaseMsg.PROTOCOL_ATTRIBUTES]: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run(ctx, m) {
        m.w.u32(Math.min(visibleCount(ctx), 0xff) | (numAgents(ctx) << 8));
      },
    },
    /** §4.2.2.4 BASE_DISCOVER_VENDOR. a2p: —. p2a: char vendor_identifier[16]. */
    [BaseMsg.DISCOVER_VENDOR]: {
      name: "BASE_DISCOVER_VENDOR",
      params: 0,
      run(ctx, m) {
        m.w.name(ctx.shared.vendor.vendor, 16);
      },
    },
    /** §4.2.2.5 BASE_DISCOVER_SUB_VENDOR. a2p: —. p2a: char vendor_identifier[16]. */
    [BaseMsg.DISCOVER_SUB_VENDOR]: {
      name: "BASE_DISCOVER_SUB_VENDOR",
      params: 0,
      run(ctx, m) {
        m.w.name(ctx.shared.vendor.subVendor, 16);
      },
    },
    /** §4.2.2.6 BASE_DISCOVER_IMPLEMENTATION_VERSION. a2p: —. p2a: u32 version. */
    [BaseMsg.DISCOVER_IMPLEMENTATION_VERSION]: {
      name: "BASE_DISCOVER_IMPLEMENTATION_VERSION",
      params: 0,
      run(ctx, m) {
        m.w.u32(ctx.shared.vendor.implementationVersion);
      },
    },
    /**
     * §4.2.2.7 BASE_DISCOVER_LIST_PROTOCOLS. a2p: u32 skip. p2a: u32 num_protocols (in this
     * reply), then that many u8 protocol ids packed four per word, zero-padded to a whole
     * word. Linux checks the reply is exactly 4 + 4 * ceil(n / 4) bytes after the status.
     */
    [BaseMsg.DISCOVER_LIST_PROTOCOLS]: {
      name: "BASE_DISCOVER_LIST_PROTOCOLS",
      params: 4,
      a2p: "skip",
      run(ctx, m) {
        const skip = m.r.u32();
        const total = visibleCount(ctx);
        if (skip > total) return Status.INVALID_PARAMETERS;
        const w = m.w;
        // u8 ids packed in whole words after the count; at least one id when some remain.
        const n = page(total, skip, 1, w);
        w.u32(n);
        let seen = 0;
        let written = 0;
        for (const p of ctx.protocols()) {
          if (written === n) break;
          if (p === BASE_PROTOCOL) continue;
          if (seen++ < skip) continue;
          w.u8(p);
          written++;
        }
        const pad = (4 - (n & 3)) & 3;
        if (pad !== 0) w.zeros(pad);
      },
    },
    /**
     * §4.2.2.8 BASE_DISCOVER_AGENT. a2p: u32 agent_id (0 = platform, 1..n, 0xFFFFFFFF = the
     * caller from 2.0). p2a at ≥ 2.0: u32 agent_id, char name[16]; at 1.0: char name[16].
     */
    [BaseMsg.DISCOVER_AGENT]: {
      name: "BASE_DISCOVER_AGENT",
      params: 4,
      a2p: "agent_id",
      run(ctx, m) {
        const id = m.r.u32();
        const v2 = ctx.version >= BaseVersion.V2_0;
        let agentId = id;
        let name: string;
        if (id === 0) {
          name = "platform";
        } else if (id === AGENT_SELF && v2) {
          agentId = ctx.agent.id;
          name = ctx.agent.name;
        } else {
          const a = agentById(ctx, id);
          if (a === undefined) return Status.NOT_FOUND;
          name = a.name;
        }
        if (v2) m.w.u32(agentId);
        m.w.name(name, 16);
      },
    },
    /**
     * §4.2.2.9 BASE_NOTIFY_ERRORS. a2p: u32 notify_enable (bit 0; 31:1 reserved). p2a: —.
     * Only for sessions that can receive notifications.
     */
    [BaseMsg.NOTIFY_ERRORS]: {
      name: "BASE_NOTIFY_ERRORS",
      params: 4,
      a2p: "notify_enable",
      available: (ctx) => ctx.canNotify,
      run(ctx, m) {
        const enable = m.r.u32();
        if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
        ctx.state.notifyErrors = enable === 1;
      },
    },
    /**
     * §4.2.2.10 BASE_SET_DEVICE_PERMISSIONS (2.0). a2p: u32 agent_id, u32 device_id, u32 flags
     * (bit 0: 1 = allow, 0 = deny; 31:1 reserved). p2a: —. Trusted agents only.
     */
    [BaseMsg.SET_DEVICE_PERMISSIONS]: {
      name: "BASE_SET_DEVICE_PERMISSIONS",
      params: 12,
      since: BaseVersion.V2_0,
      a2p: "agent_id device_id flags",
      run(ctx, m) {
        if (!ctx.agent.trusted) return Status.DENIED;
        const agentId = m.r.u32();
        const deviceId = m.r.u32();
        const flags = m.r.u32();
        const target = agentById(ctx, agentId);
        if (agentId !== 0 && target === undefined) return Status.NOT_FOUND;
        if (!ctx.shared.agents.hasDevice(deviceId)) return Status.NOT_FOUND;
        if ((flags & ~1) !== 0) return Status.INVALID_PARAMETERS;
        if (target === undefined) return Status.DENIED;
        return ctx.shared.agents.setDeviceAccess(ctx, agentId, deviceId, (flags & 1) === 1);
      },
    },
    /**
     * §4.2.2.11 BASE_SET_PROTOCOL_PERMISSIONS (2.0). a2p: u32 agent_id, u32 device_id,
     * u32 command_id (7:0 protocol id; 31:8 reserved), u32 flags (bit 0: 1 = allow, 0 = deny;
     * 31:1 reserved). p2a: —. Trusted agents only.
     */
    [BaseMsg.SET_PROTOCOL_PERMISSIONS]: {
      name: "BASE_SET_PROTOCOL_PERMISSIONS",
      params: 16,
      since: BaseVersion.V2_0,
      a2p: "agent_id device_id command_id flags",
      run(ctx, m) {
        if (!ctx.agent.trusted) return Status.DENIED;
        const agentId = m.r.u32();
        const deviceId = m.r.u32();
        const command = m.r.u32();
        const flags = m.r.u32();
        const target = agentById(ctx, agentId);
        if (agentId !== 0 && target === undefined) return Status.NOT_FOUND;
        if (!ctx.shared.agents.hasDevice(deviceId)) return Status.NOT_FOUND;
        if ((command & ~0xff) !== 0 || (flags & ~1) !== 0) return Status.INVALID_PARAMETERS;
        if (command === BASE_PROTOCOL || !ctx.shared.agents.hasProtocol(command)) {
          return Status.NOT_FOUND;
        }
        if (target === undefined) return Status.DENIED;
        return ctx.shared.agents.setProtocolAccess(
          ctx,
          agentId,
          deviceId,
          command,
          (flags & 1) === 1,
        );
      },
    },
    /**
     * §4.2.2.12 BASE_RESET_AGENT_CONFIGURATION (2.0). a2p: u32 agent_id, u32 flags (bit 0:
     * also revert access permissions to the deployment's; 31:1 reserved). p2a: —. Trusted
     * agents only.
     */
    [BaseMsg.RESET_AGENT_CONFIGURATION]: {
      name: "BASE_RESET_AGENT_CONFIGURATION",
      params: 8,
      since: BaseVersion.V2_0,
      a2p: "agent_id flags",
      run(ctx, m) {
        if (!ctx.agent.trusted) return Status.DENIED;
        const agentId = m.r.u32();
        const flags = m.r.u32();
        const target = agentById(ctx, agentId);
        if (agentId !== 0 && target === undefined) return Status.NOT_FOUND;
        if ((flags & ~1) !== 0) return Status.INVALID_PARAMETERS;
        if (target === undefined) return Status.DENIED;
        return ctx.shared.agents.resetConfiguration(ctx, agentId, (flags & 1) === 1);
      },
    },
  },
  events: {
    [BASE_ERROR_EVENT]: { name: "BASE_ERROR_EVENT", p2a: "agent_id error_status" },
  },
  setup(env) {
    const errors = new ErrorReporter(env.receivers, env.log);
    env.onMalformed((offender, header) => errors.report(offender, header));
    return { errors, vendor: env.vendor, agents: env.agents };
  },
  open: () => ({ notifyErrors: false }),
});
