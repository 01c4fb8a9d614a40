/**
 * The Voltage domain management protocol (0x17, DEN0056 §4.9): discovery of voltage domains
 * and their levels, on/off and level control by agents holding WRITE on a domain.
 *
 * Versions spoken: 1.0, 2.0 and 2.1 (Linux supports 2.1).
 * - **1.0**: commands 0x1–0x8; VOLTAGE_DOMAIN_ATTRIBUTES attributes and VOLTAGE_LEVEL_SET
 *   flags are all reserved.
 * - **2.0**: asynchronous VOLTAGE_LEVEL_SET (flags bit 0, attribute bit 31, delayed response
 *   VOLTAGE_LEVEL_SET_COMPLETE), extended names (attribute bit 30, VOLTAGE_DOMAIN_NAME_GET).
 * - **2.1**: no layout change.
 *
 * Decisions where the specification leaves room:
 * - Shared domains: each agent's last level request is kept; the domain runs at the highest
 *   request inside every requester's allowed range (`_policy.ts`; every agent may use the
 *   whole domain for now). An agent reads back its own request, or the hardware level when it
 *   has made none. On/off are votes: the domain is on while any agent votes on or the
 *   platform keeps it on (found on at start-up); an agent reads back its own vote. Closing the
 *   session, resetting the agent or revoking the domain withdraws both, and the hardware
 *   follows what remains (with no request left the level stays).
 * - Only the architectural modes exist: VOLTAGE_CONFIG_SET takes 0x0 (off) and 0x7 (on);
 *   IMPLEMENTATION DEFINED modes (bit 3), reserved modes and reserved bits are
 *   INVALID_PARAMETERS.
 * - A level the domain does not declare is INVALID_PARAMETERS; an asynchronous request where
 *   the domain or the session (no platform→agent channel) cannot do it is NOT_SUPPORTED.
 * - VOLTAGE_DESCRIBE_LEVELS pages a list by the agent's message size (a level_index past the
 *   last level is OUT_OF_RANGE) and answers a segment domain with its triplet whatever the
 *   index.
 * - No notifications: the protocol defines none.
 * @module
 */
import { defineProtocol } from "../../mod.ts";
import { voltageKind } from "./kind.ts";
import { configGet, configSet } from "./_config.ts";
import { domainAttributes, domainNameGet, protocolAttributes } from "./_info.ts";
import { describeLevels, levelGet, levelSet } from "./_levels.ts";
import { revokeVoltage, setupVoltage, type VoltageSession, type VoltageShared } from "./_state.ts";
import { VoltageMsg, VoltageVersion } from "./msg.ts";
import { voltageCall } from "./call.ts";
import { voltageDt } from "./dt.ts";

export { aggregateLevel, type LevelRange } from "./_policy.ts";
export type { VoltageDomain, VoltageSession, VoltageShared } from "./_state.ts";
export * from "./msg.ts";

/** The built-in Voltage domain management protocol plugin. */
export const voltageProtocol = defineProtocol<VoltageSession, VoltageShared>({
  api: 1,
  id: 0x17,
  name: "voltage",
  call: voltageCall,
  dt: voltageDt,
  versions: [VoltageVersion.V1, VoltageVersion.V2, VoltageVersion.V2_1],
  kinds: [voltageKind],
  setup: setupVoltage,
  onRevoke: revokeVoltage,
  commands: {
    [VoltageMsg.PROTOCOL_ATTRIBUTES]: protocolAttributes,
    [VoltageMsg.VOLTAGE_DOMAIN_ATTRIBUTES]: domainAttributes,
    [VoltageMsg.VOLTAGE_DESCRIBE_LEVELS]: describeLevels,
    [VoltageMsg.VOLTAGE_CONFIG_SET]: configSet,
    [VoltageMsg.VOLTAGE_CONFIG_GET]: configGet,
    [VoltageMsg.VOLTAGE_LEVEL_SET]: levelSet,
    [VoltageMsg.VOLTAGE_LEVEL_GET]: levelGet,
    [VoltageMsg.VOLTAGE_DOMAIN_NAME_GET]: domainNameGet,
  },
  events: {
    [VoltageMsg.VOLTAGE_LEVEL_SET]: {
      name: "VOLTAGE_LEVEL_SET_COMPLETE",
      p2a: "domain_id voltage_level:i32",
    },
  },
});
