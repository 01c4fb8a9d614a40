/** Board-driver interface for sensors. Physical ids only. @module */

export interface SensorHw {
  /** Reading of `axis` (0 for scalar sensors) in the sensor's unit and scale. */
  read(id: number, axis: number): number | Promise<number>;
  /** Nanoseconds since an arbitrary epoch of the last reading, when the driver keeps it. */
  timestamp?(id: number): number;
  setEnabled?(id: number, on: boolean): void;
  isEnabled?(id: number): boolean;
}
