/**
 * The platform the sensor management protocol vectors run against: five constant sensors on
 * the `sim` driver (immediate), a manual clock standing 1.5 ms after the sim started (so
 * timestamps read 1500 µs), and agents with different grants, rights, versions, message
 * sizes and platform→agent channels.
 *
 * | phys | name                    | type | scale | axes | trips | async | timestamps |
 * | ---- | ----------------------- | ---- | ----- | ---- | ----- | ----- | ---------- |
 * | 0    | `cpu_temp`              | 2    | −3    | 1    | 2     | no    | no         |
 * | 1    | `soc_voltage_rail_main` | 5    | −6    | 1    | 1     | yes   | yes, µs    |
 * | 2    | `accel`                 | 0x59 | 0     | 3    | 0     | no    | yes, µs    |
 * | 3    | `secret`                | 2    | 0     | 1    | 0     | no    | no         |
 * | 4    | `fan`                   | 19   | 0     | 1    | 1     | no    | no         |
 *
 * | phys | extended attributes                   | update intervals, µs    | value           |
 * | ---- | ------------------------------------- | ----------------------- | --------------- |
 * | 0    | —                                     | 1000, 10000, 100000     | 45000           |
 * | 1    | 150 µW, resolution 1e−6, 0…1000000    | 500–2000 by 500         | 800000          |
 * | 2    | 2000 µW; axis 2: 5e−3, −20000…20000   | —                       | 100, −200, 9810 |
 * | 3    | —                                     | —                       | 7               |
 * | 4    | —                                     | —                       | 1200            |
 *
 * Sensor 0 also has continuous updates; sensor 1 starts at 1000 µs; accel's axes are named
 * `accel_X`, `accel_Y` and `accelerometer_z_axis`.
 *
 * | agent (id) | version | sensors, virtual 0.. (physical) | rights    | P2A | max msg |
 * | ---------- | ------- | ------------------------------- | --------- | --- | ------- |
 * | vm1 (1)    | 3.1     | 0, 1, 2                         | all       | yes | 128     |
 * | ro (2)     | 3.1     | 3, 0                            | read only | yes | 128     |
 * | v1 (3)     | 1.0     | 0, 1, 2                         | all       | yes | 128     |
 * | v2 (4)     | 2.0     | 1, 2                            | all       | yes | 128     |
 * | v3 (5)     | 3.0     | 1, 2                            | all       | yes | 128     |
 * | nop2a (6)  | 3.1     | 1, 0                            | all       | no  | 128     |
 * | small (7)  | 3.1     | 0, 1, 2, 4                      | all       | yes | 64      |
 * | holey (8)  | 3.1     | 0, (4 withdrawn: a hole), 1     | all       | yes | 128     |
 * | empty (9)  | 3.1     | none                            | —         | yes | 128     |
 * @module
 */
import { emptyBoard } from "../../../core/board.ts";
import type { SensorDesc } from "../../../plugins/sensor/kind.ts";
import type { BoardDriver } from "../../../core/driver.ts";
import { type AnyProtocol, defineProtocol, Right } from "../../../core/protocol.ts";
import { createSimSensor } from "../../../boards/drivers/sim/sensor.ts";
import { createSensorProtocol, ManualClock } from "../../../plugins/sensor/mod.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

/** The board's sensors, by physical id. */
export const SENSORS: SensorDesc[] = [
  {
    id: 0,
    name: "cpu_temp",
    driver: "sim",
    type: 2,
    scale: -3,
    axes: 1,
    intervalsUs: [100000, 1000, 10000],
    async: false,
    tripPoints: 2,
    continuousUpdate: true,
    sim: { kind: "constant", value: 45000 },
  },
  {
    id: 1,
    name: "soc_voltage_rail_main",
    driver: "sim",
    type: 5,
    scale: -6,
    axes: 1,
    intervalsUs: [],
    intervalSegment: { min: 500, max: 2000, step: 500 },
    intervalUs: 1000,
    async: true,
    latencyUs: 100,
    tripPoints: 1,
    timestamps: true,
    timestampExp: -6,
    powerUw: 150,
    resolution: 1,
    resolutionExp: -6,
    min: 0,
    max: 1000000,
    sim: { kind: "constant", value: 800000 },
  },
  {
    id: 2,
    name: "accel",
    driver: "sim",
    type: 0x59,
    scale: 0,
    axes: 3,
    intervalsUs: [],
    async: false,
    timestamps: true,
    powerUw: 2000,
    axisDescs: [
      { name: "accel_X", sim: { kind: "constant", value: 100 } },
      { sim: { kind: "constant", value: -200 } },
      {
        name: "accelerometer_z_axis",
        resolution: 5,
        resolutionExp: -3,
        min: -20000,
        max: 20000,
        sim: { kind: "constant", value: 9810 },
      },
    ],
    sim: { kind: "constant", value: 0 },
  },
  {
    id: 3,
    name: "secret",
    driver: "sim",
    type: 2,
    scale: 0,
    axes: 1,
    intervalsUs: [],
    async: false,
    sim: { kind: "constant", value: 7 },
  },
  {
    id: 4,
    name: "fan",
    driver: "sim",
    type: 19,
    scale: 0,
    axes: 1,
    intervalsUs: [],
    async: false,
    tripPoints: 1,
    sim: { kind: "constant", value: 1200 },
  },
];

/**
 * Answers PROTOCOL_ATTRIBUTES only: every agent is granted Base, which the platform wants
 * registered, and these vectors never talk to it.
 */
const BASE_STAND_IN = defineProtocol({
  api: 1,
  id: 0x10,
  name: "base-stand-in",
  versions: [0x20001],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});

/** Builds the vector platform; `clock` drives both the sim and the plugin's monitor. */
export async function sensorFixture(clock = new ManualClock(1000)): Promise<Fixture> {
  const board = emptyBoard("sensor-vectors");
  board.resources.sensor = SENSORS.map((s) => ({ ...s }));
  const sim: BoardDriver = {
    name: "sim",
    sensor: createSimSensor(board, "sim", { timeScale: 0 }, () => clock.now()),
  };
  const protocols: AnyProtocol[] = [createSensorProtocol({ clock }), BASE_STAND_IN];
  const R = Right.READ;
  const fx = await build({
    board,
    protocols,
    drivers: new Map([["sim", sim]]),
    agents: [
      { name: "vm1", protocols: { 0x15: undefined }, grants: { sensor: [0, 1, 2] } },
      {
        name: "ro",
        protocols: { 0x15: undefined },
        grants: { sensor: [3, 0] },
        rights: { sensor: [R, R] },
      },
      { name: "v1", protocols: { 0x15: 0x10000 }, grants: { sensor: [0, 1, 2] } },
      { name: "v2", protocols: { 0x15: 0x20000 }, grants: { sensor: [1, 2] } },
      { name: "v3", protocols: { 0x15: 0x30000 }, grants: { sensor: [1, 2] } },
      { name: "nop2a", protocols: { 0x15: undefined }, grants: { sensor: [1, 0] }, p2a: false },
      {
        name: "small",
        protocols: { 0x15: undefined },
        grants: { sensor: [0, 1, 2, 4] },
        maxMsgSize: 64,
      },
      { name: "holey", protocols: { 0x15: undefined }, grants: { sensor: [0, 4, 1] } },
      { name: "empty", protocols: { 0x15: undefined } },
    ],
  });
  fx.platform.agent("holey")!.grants.maps.sensor.revoke(4);
  clock.advance(1.5);
  return fx;
}

export function fixture(): Promise<Fixture> {
  return sensorFixture();
}
