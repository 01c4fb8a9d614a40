/** Board-driver interface for voltage domains. Physical ids only; levels in µV. @module */

export interface VoltageHw {
  getLevel(id: number): number;
  setLevel(id: number, microvolts: number): void | Promise<void>;
  isOn(id: number): boolean;
  setOn(id: number, on: boolean): void | Promise<void>;
}
