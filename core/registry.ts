/**
 * Every built-in protocol plugin, board driver and transport, by static import, so that
 * `deno compile` bundles them. A new built-in is one module plus one line here.
 * @module
 */
import type { DriverDef } from "./driver.ts";
import type { ProtocolDef } from "./protocol.ts";
import type { TransportDef } from "./transport.ts";

// Protocol plugins, one line each.

// Board drivers, one line each.

// Transports, one line each.

// deno-lint-ignore no-explicit-any
export const PROTOCOLS: readonly ProtocolDef<any, any>[] = [];

export const DRIVERS: readonly DriverDef[] = [];

export const TRANSPORTS: readonly TransportDef[] = [];
