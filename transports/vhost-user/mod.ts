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
import { OptionError } from "../../core/options.ts";
import { checkSocketOption, ensureRunDir, inRunDir } from "../../core/rundir.ts";
import { checkFrameTimeout } from "../../core/stall_watch.ts";
import { defineTransport, type TransportEnv, type TransportHandle } from "../../core/transport.ts";
import { VhostUserEndpoint } from "../../bindings/vhost-user/server.ts";
import { ScmiBackendDevice } from "./_device.ts";

/** Checked options of one agent's endpoint; a relative `path` is under the run directory. */
export interface VhostUserOptions {
  path: string;
  mode: "server" | "client";
  reconnectMs: number;
  frameTimeoutMs: number;
  xen: boolean;
}

/**
 * Checks an agent's vhost-user options (the transport declares their names): `path`
 * (default `<agent>.sock`; relative paths are under the run directory), `mode` ("server" or
 * "client"), `reconnect_ms` (client mode, 10–60000, default 1000) and `frame_timeout_ms`
 * (1–60000, default 2000) and `xen` (the front-end is Xen's: offer it XEN_MMAP; default
 * false). Throws OptionError naming the option.
 */
export function checkVhostUserOptions(
  agent: string,
  options: Readonly<Record<string, unknown>>,
): VhostUserOptions {
  const mode = options.mode ?? "server";
  if (mode !== "server" && mode !== "client") {
    throw new OptionError("mode", '"server" or "client"', mode);
  }
  const r = options.reconnect_ms ?? 1000;
  const reconnectMs = typeof r === "bigint" ? Number(r) : r;
  if (
    typeof reconnectMs !== "number" || !Number.isInteger(reconnectMs) || reconnectMs < 10 ||
    reconnectMs > 60_000
  ) {
    throw new OptionError("reconnect_ms", "an integer from 10 to 60000", r);
  }
  const frameTimeoutMs = checkFrameTimeout(options.frame_timeout_ms);
  const xen = options.xen ?? false;
  if (typeof xen !== "boolean") throw new OptionError("xen", "true or false", xen);
  return { path: checkSocketOption(agent, options.path), mode, reconnectMs, frameTimeoutMs, xen };
}

export const vhostUserTransport = defineTransport({
  api: 1,
  name: "vhost-user",
  summary: "Back-end of QEMU's vhost-user-scmi device (virtio-scmi over a vhost-user socket)",
  guestDt: () => ({
    comment: "a virtio-scmi device the guest finds on its own (QEMU adds the virtio-mmio or " +
      "PCI node).",
  }),
  options: {
    path: "Unix socket path (relative: under the run directory; default <run-dir>/<agent>.sock)",
    mode: '"server" (vscmi listens, QEMU connects; default) or "client" (QEMU listens)',
    reconnect_ms: "Client mode: delay between connection attempts (1000)",
    frame_timeout_ms:
      "A message not received whole within this closes its connection (2000; 1–60000)",
    xen: "The front-end is Xen's (xen-vhost-frontend): map guest memory through XEN_MMAP (false)",
  },
  checkOptions(options, agent) {
    const o = checkVhostUserOptions(agent, options);
    // In client mode QEMU listens; vscmi only connects.
    if (o.mode === "client") return {};
    return {
      listens: [{
        address: `unix:${o.path}`,
        option: options.path === undefined ? undefined : "path",
      }],
    };
  },
  start: startVhostUser,
});

async function startVhostUser(env: TransportEnv): Promise<TransportHandle> {
  const { agent, log } = env;
  const checked = checkVhostUserOptions(agent.name, env.options);
  const o = { ...checked, path: inRunDir(checked.path, env.runDir) };
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
    xen: o.xen,
    createDevice: () => new ScmiBackendDevice(env, log, label),
  });
  return {
    address: `vhost-user:${o.path}${o.mode === "client" ? " (client)" : ""}`,
    p2a: true,
    close: () => ep.close(),
  };
}
