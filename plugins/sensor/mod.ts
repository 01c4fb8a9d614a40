/**
 * The sensor management protocol plugin (0x15): the plugin itself, a factory for tests and
 * embedders that bring their own clock, and the protocol's wire constants.
 * @module
 */
export {
  createSensorProtocol,
  DEFAULT_MAX_PENDING,
  sensorProtocol,
  type SensorProtocolOptions,
} from "./plugin.ts";
export { ManualClock, type SensorClock, systemClock } from "./clock.ts";
export * from "./msg.ts";
