/** Board-driver interface for pin control. Physical ids only. @module */

export interface PinctrlHw {
  /** Configuration value of `type` for a pin or group. */
  getConfig(target: "pin" | "group", id: number, type: number): number | undefined;
  setConfig(target: "pin" | "group", id: number, type: number, value: number): void;
  /** Selects `fn` on a pin or group. */
  setFunction(target: "pin" | "group", id: number, fn: number): void;
  getFunction(target: "pin" | "group", id: number): number | undefined;
}
