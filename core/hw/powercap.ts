/** Board-driver interface for power capping. Physical ids only; µW and µs. @module */

export interface PowercapHw {
  getCap(id: number): number;
  setCap(id: number, microwatts: number): void | Promise<void>;
  getPai(id: number): number;
  setPai(id: number, micros: number): void;
  /** Average power over the current interval, µW. */
  measure(id: number): number;
}
