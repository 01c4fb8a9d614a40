/** Board-driver interface for performance domains. Physical ids only. @module */

export interface PerfHw {
  getLevel(id: number): number;
  setLevel(id: number, level: number): void | Promise<void>;
}
