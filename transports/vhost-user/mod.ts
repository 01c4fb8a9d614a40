/**
 * The `vhost-user` transport: vscmi as the back-end of QEMU's `vhost-user-scmi` device
 * (KVM or TCG guests, and Xen guests through a vhost-user front-end). One Unix socket per
 * agent, by default `<run-dir>/<agent>.sock`; vscmi listens and QEMU connects
 * (`-chardev socket,path=…`), or with `mode = "client"` vscmi connects to a socket QEMU
 * created (`-chardev socket,path=…,server=on`) and connects again whenever it goes away.
 *
 * Each connection is one virtio-scmi device: the agent's session opens when the guest
 * driver starts the queues and ends when they stop (guest reset or reboot, VM stop), when
 * the front-end resets the device, or when the connection drops.
 * @module
 */
import { isAbsolute, join } from "node:path";
import { agentSocketPath, ensureRunDir } from "../../core/rundir.ts";
import { checkFrameTimeout } from "../../core/stall_watch.ts";
import { defineTransport, type TransportEnv, type TransportHandle } from "../../core/transport.ts";
import { VhostUserEndpoint } from "../../bindings/vhost-user/server.ts";
import { ScmiBackendDevice } from "./_device.ts";

/** Checked options of one agent's endpoint. */
export interface VhostUserOptions {
  path: string;
  mode: "server" | "client";
  reconnectMs: number;
  frameTimeoutMs: number;
}

const KNOWN = new Set(["path", "mode", "reconnect_ms", "frame_timeout_ms"]);

/**
 * Checks an agent's vhost-user options: `path` (relative paths are under `runDir`; default
 * `<runDir>/<agent>.sock`), `mode` ("server" or "client"), `reconnect_ms` (client mode,
 * 10–60000, default 1000) and `frame_timeout_ms` (1–60000, default 2000). Throws TypeError
 * naming the agent and the option.
 */
export function checkVhostUserOptions(
  agent: string,
  options: Record<string, unknown>,
  runDir: string,
): VhostUserOptions {
  const where = `Agent "${agent}": vhost-user transport`;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(
        `${where}: unknown option "${key}" (expected path, mode, reconnect_ms or frame_timeout_ms)`,
      );
    }
  }
  const mode = options.mode ?? "server";
  if (mode !== "server" && mode !== "client") {
    throw new TypeError(`${where}: mode must be "server" or "client", got ${JSON.stringify(mode)}`);
  }
  const r = options.reconnect_ms ?? 1000;
  const reconnectMs = typeof r === "bigint" ? Number(r) : r;
  if (
    typeof reconnectMs !== "number" || !Number.isInteger(reconnectMs) || reconnectMs < 10 ||
    reconnectMs > 60_000
  ) {
    throw new TypeError(
      `${where}: reconnect_ms must be an integer from 10 to 60000, got ${String(r)}`,
    );
  }
  const path = options.path;
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new TypeError(`${where}: path must be a non-empty string`);
  }
  if (path === undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(agent)) {
    throw new TypeError(`${where}: the agent name cannot be a socket file name; set path`);
  }
  const p = path === undefined
    ? agentSocketPath(runDir, agent)
    : isAbsolute(path as string)
    ? path as string
    : join(runDir, path as string);
  const frameTimeoutMs = checkFrameTimeout(where, options.frame_timeout_ms);
  return { path: p, mode, reconnectMs, frameTimeoutMs };
}

export const vhostUserTransport = defineTransport({
  api: 1,
  name: "vhost-user",
  summary: "Back-end of QEMU's vhost-user-scmi device (virtio-scmi over a vhost-user socket)",
  options: {
    path: "Unix socket path (relative: under the run directory; default <run-dir>/<agent>.sock)",
    mode: '"server" (vscmi listens, QEMU connects; default) or "client" (QEMU listens)',
    reconnect_ms: "Client mode: delay between connection attempts (1000)",
    frame_timeout_ms:
      "A message not received whole within this closes its connection (2000; 1–60000)",
  },
  start: startVhostUser,
});

async function startVhostUser(env: TransportEnv): Promise<TransportHandle> {
  const { platform, agent, log } = env;
  const o = checkVhostUserOptions(agent.name, env.options, env.runDir);
  if (o.mode === "server") {
    const dir = o.path.slice(0, o.path.lastIndexOf("/")) || "/";
    if (dir === env.runDir) await ensureRunDir(env.runDir);
    else await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const label = `${agent.name}@vhost-user`;
  const ep = await VhostUserEndpoint.start({
    path: o.path,
    mode: o.mode,
    agent: agent.name,
    log,
    reconnectMs: o.reconnectMs,
    frameTimeoutMs: o.frameTimeoutMs,
    createDevice: () => new ScmiBackendDevice(platform, agent, log, label),
  });
  return {
    address: `vhost-user:${o.path}${o.mode === "client" ? " (client)" : ""}`,
    p2a: true,
    close: () => ep.close(),
  };
}
