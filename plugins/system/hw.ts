/**
 * The whole-board driver class of the system power protocol: the first driver with a
 * `system` sub-object acts on the whole system.
 * @module
 */
import { hwClass } from "../../core/kind.ts";
import type { SystemHw } from "../../core/hw/system.ts";

/** The `system` driver class: shutdown, reset and suspend of the whole board. */
export const systemHw = hwClass<SystemHw>("system");
