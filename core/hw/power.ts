/** Board-driver interface for power domains. Physical ids only. @module */

export interface PowerHw {
  /** SCMI power state word (0 = on, 0x40000000 = off). */
  getState(id: number): number;
  setState(id: number, state: number): void | Promise<void>;
}
