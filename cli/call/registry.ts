/**
 * The protocols `vscmi call` knows, one line each. A new one is a module in this folder
 * exporting a `CallProtocol`, plus its line here.
 * @module
 */
import type { CallProtocol } from "./types.ts";
import { baseCall } from "./base.ts";
import { clockCall } from "./clock.ts";
import { powerCall } from "./power.ts";
import { resetCall } from "./reset.ts";
import { systemCall } from "./system.ts";
import { perfCall } from "./perf.ts";
import { sensorCall } from "./sensor.ts";
import { voltageCall } from "./voltage.ts";
import { powercapCall } from "./powercap.ts";
import { pinctrlCall } from "./pinctrl.ts";

export const CALL_PROTOCOLS: readonly CallProtocol[] = [
  baseCall,
  clockCall,
  resetCall,
  powerCall,
  systemCall,
  perfCall,
  sensorCall,
  voltageCall,
  powercapCall,
  pinctrlCall,
];
