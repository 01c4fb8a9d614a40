/**
 * Agents for the System power vectors, one per kind of `system_power` action, on a board
 * whose only system controller is the `sim` driver (records requests, graceful timeout
 * 10 000 ms, standard states only).
 *
 * Agents, in id order:
 * 1. host — trusted, `board` action.
 * 2. vm1 — untrusted, `deny`.
 * 3. vm2 — untrusted, `command` running `true`.
 * 4. vm3 — untrusted, `command` running `false`.
 * 5. qvm — untrusted, `qmp` on a socket that does not exist.
 * 6. mgr — trusted, `command` running `true`.
 * 7. old — untrusted, `deny`, pinned to 1.0.
 * 8. guest2 — untrusted, `deny`, newest version.
 * 9. quiet — untrusted, `deny`, no platform→agent channel.
 * @module
 */
import { emptyBoard } from "../../../core/board.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

const SYSTEM = { 0x12: undefined };

export function fixture(): Promise<Fixture> {
  const board = emptyBoard("system-vectors");
  board.drivers.push({ name: "sim", type: "sim", options: { time_scale: 0 } });
  return build({
    board,
    agents: [
      {
        name: "host",
        trusted: true,
        protocols: SYSTEM,
        settings: { system_power: { action: "board" } },
      },
      { name: "vm1", protocols: SYSTEM },
      {
        name: "vm2",
        protocols: SYSTEM,
        settings: { system_power: { action: "command", argv: ["true"] } },
      },
      {
        name: "vm3",
        protocols: SYSTEM,
        settings: { system_power: { action: "command", argv: ["false"] } },
      },
      {
        name: "qvm",
        protocols: SYSTEM,
        settings: {
          system_power: { action: "qmp", socket: "/nonexistent/vscmi-vectors-qmp.sock" },
        },
      },
      {
        name: "mgr",
        trusted: true,
        protocols: SYSTEM,
        settings: { system_power: { action: "command", argv: ["true", "{state}", "{graceful}"] } },
      },
      { name: "old", protocols: { 0x12: 0x10000 } },
      { name: "guest2", protocols: SYSTEM },
      { name: "quiet", protocols: SYSTEM, p2a: false },
      {
        name: "oldhost",
        trusted: true,
        protocols: { 0x12: 0x10000 },
        settings: { system_power: { action: "board" } },
      },
    ],
  });
}
