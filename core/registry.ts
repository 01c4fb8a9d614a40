/**
 * Every built-in protocol plugin, board driver and transport, by static import, so that
 * `deno compile` bundles them. A new built-in is one module plus one line here.
 * @module
 */
import type { DriverDef } from "./driver.ts";
import type { AnyProtocol } from "./protocol.ts";
import type { TransportDef } from "./transport.ts";

// Protocol plugins, one line each.

// Board drivers, one line each.
import { simDriver } from "../boards/drivers/sim.ts";

// Transports, one line each.

export const PROTOCOLS: readonly AnyProtocol[] = [];

export const DRIVERS: readonly DriverDef[] = [
  simDriver,
];

export const TRANSPORTS: readonly TransportDef[] = [];
