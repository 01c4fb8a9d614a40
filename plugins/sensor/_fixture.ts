/**
 * Test support for the sensor plugin's unit tests: a platform with the sensor plugin on a
 * manual clock, the given sensors on the sim driver (same clock), and helpers to build
 * requests and read replies and notifications as 32-bit words.
 * @module
 */
import { type BoardDriver, defineProtocol, emptyBoard, encodeHeader, MsgType } from "../../mod.ts";
import type { SensorDesc } from "./kind.ts";
import type { SensorHw } from "./hw.ts";
import { createSimSensor } from "../../boards/drivers/sim/sensor.ts";
import { type AgentSpec, type Fixture, fixture } from "../../tests/harness.ts";
import { ManualClock, systemClock } from "./clock.ts";
import { createSensorProtocol, type SensorProtocolOptions } from "./plugin.ts";
import type { SensorShared } from "./_state.ts";

const BASE_STAND_IN = defineProtocol({
  api: 1,
  id: 0x10,
  name: "base-stand-in",
  versions: [0x20001],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});

/** A sensor description with defaults for everything a test does not care about. */
export function sensor(id: number, name: string, more: Partial<SensorDesc> = {}): SensorDesc {
  return {
    id,
    name,
    driver: "sim",
    type: 2,
    scale: 0,
    axes: 1,
    intervalsUs: [],
    async: false,
    sim: { kind: "constant", value: 0 },
    ...more,
  };
}

export interface SensorTestSpec {
  sensors: SensorDesc[];
  agents: AgentSpec[];
  clock?: ManualClock;
  /** Plugin options besides the clock. */
  plugin?: Omit<SensorProtocolOptions, "clock">;
  /** The sim's time scale for read latencies, waited on `clock` (default 0: immediate). */
  timeScale?: number;
  /** Replaces the sim's sensor class. */
  hw?: SensorHw;
  /** Plugin and sim run on the system clock instead (`clock` is then unused). */
  realTime?: boolean;
}

export interface SensorTest {
  fx: Fixture;
  clock: ManualClock;
  shared: SensorShared;
}

/** Builds the platform; agents are granted protocol 0x15 at its newest unless they say. */
export async function sensorTest(spec: SensorTestSpec): Promise<SensorTest> {
  const clock = spec.clock ?? new ManualClock(0);
  const board = emptyBoard("sensor-unit");
  board.resources.sensor = spec.sensors;
  const now = spec.realTime ? () => performance.now() : () => clock.now();
  const driver: BoardDriver = {
    name: "sim",
    sensor: spec.hw ??
      createSimSensor(board, "sim", {
        timeScale: spec.timeScale ?? 0,
        clock: spec.realTime ? undefined : clock,
      }, now),
  };
  const plugin = createSensorProtocol({
    ...spec.plugin,
    clock: spec.realTime ? systemClock : clock,
  });
  const fx = await fixture({
    board,
    protocols: [plugin, BASE_STAND_IN],
    drivers: new Map([["sim", driver]]),
    agents: spec.agents.map((a) => ({ protocols: { 0x15: undefined }, ...a })),
  });
  const shared = fx.platform.protocols[0x15]!.shared as SensorShared;
  return { fx, clock, shared };
}

/** A sensor protocol command header. */
export function cmd(messageId: number, token = 0): number {
  return encodeHeader(messageId, MsgType.COMMAND, 0x15, token);
}

/** A sensor protocol notification header. */
export function event(eventId: number): number {
  return encodeHeader(eventId, MsgType.NOTIFICATION, 0x15, 0);
}

/** A sensor protocol delayed-response header. */
export function delayed(messageId: number, token: number): number {
  return encodeHeader(messageId, MsgType.DELAYED_RESPONSE, 0x15, token);
}

/** Little-endian 32-bit words of `bytes` (unsigned). */
export function words(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

/** Every queued platform→agent message of `agent`, as words. */
export function drainWords(fx: Fixture, agent: string): number[][] {
  return fx.drain(agent).map(words);
}

/** Waits `ms` of real time (timer ticks for delayed responses). */
export function settle(ms = 5): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
