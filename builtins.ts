/**
 * Every built-in protocol plugin, board driver and transport, by static import, so that
 * `deno compile` bundles them. A new built-in is one module plus one line here.
 * @module
 */
import type { DriverDef } from "./core/driver.ts";
import type { AnyProtocol } from "./core/protocol.ts";
import type { TransportDef } from "./core/transport.ts";
import type { LoadOptions } from "./server/manifest/mod.ts";

// Protocol plugins, one line each.
import { baseProtocol } from "./plugins/base/mod.ts";
import { clockProtocol } from "./plugins/clock/mod.ts";
import { perfProtocol } from "./plugins/perf/mod.ts";
import { pinctrlProtocol } from "./plugins/pinctrl/mod.ts";
import { powerProtocol } from "./plugins/power/mod.ts";
import { powercapProtocol } from "./plugins/powercap/mod.ts";
import { resetProtocol } from "./plugins/reset/mod.ts";
import { sensorProtocol } from "./plugins/sensor/mod.ts";
import { systemProtocol } from "./plugins/system/mod.ts";
import { voltageProtocol } from "./plugins/voltage/mod.ts";

// Board drivers, one line each.
import { simDriver } from "./boards/drivers/sim.ts";
import { regmapDriver } from "./boards/drivers/regmap/mod.ts";
import { forwardDriver } from "./boards/drivers/forward/mod.ts";
import { hvisorDriver } from "./boards/drivers/hvisor/mod.ts";
import { linuxDriver } from "./boards/drivers/linux/mod.ts";

// Transports, one line each.
import { streamTransport } from "./transports/stream/mod.ts";
import { shmemTransport } from "./transports/shmem/mod.ts";
import { vhostUserTransport } from "./transports/vhost-user/mod.ts";
import { virtioMmioTransport } from "./transports/virtio-mmio/mod.ts";

/**
 * The built-in protocols. Their order is the order of the kinds they carry: in board and
 * deployment messages, in listings.
 */
export const PROTOCOLS: readonly AnyProtocol[] = [
  baseProtocol,
  clockProtocol,
  resetProtocol,
  powerProtocol,
  perfProtocol,
  sensorProtocol,
  voltageProtocol,
  pinctrlProtocol,
  powercapProtocol,
  systemProtocol,
];

export const DRIVERS: readonly DriverDef[] = [
  simDriver,
  regmapDriver,
  forwardDriver,
  hvisorDriver,
  linuxDriver,
];

export const TRANSPORTS: readonly TransportDef[] = [
  streamTransport,
  vhostUserTransport,
  virtioMmioTransport,
  shmemTransport,
];

/** Everything above: what `vscmi`'s commands hand to the loader, the server and the client. */
export const BUILTINS: LoadOptions = {
  protocols: PROTOCOLS,
  drivers: DRIVERS,
  transports: TRANSPORTS,
};
