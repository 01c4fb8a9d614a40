/**
 * Pin control protocol (0x19), DEN0056E §4.11: version 1.0 (what Linux supports).
 *
 * Three identifier spaces — pins, groups, functions — each the agent's own dense virtual
 * ids from the grant table; a resource the agent does not see does not exist for it
 * (NOT_FOUND) and is never listed. Commands whose `flags` choose the kind resolve the id in
 * the handler, after checking the flags (INVALID_PARAMETERS comes before NOT_FOUND there).
 * Reading needs the read right, changing (SETTINGS_CONFIGURE, REQUEST) the write right.
 *
 * Decisions where the specification leaves room:
 * - Counts and lists are the agent's: PINCTRL_ATTRIBUTES' number of elements and
 *   PINCTRL_LIST_ASSOCIATIONS count only the pins or groups it sees (a group whose pins are
 *   all hidden has 0 elements; Linux rejects such a group). A pin has 1 element.
 * - A function lists groups, or, when it is a pin-only function (attribute bit 16), pins.
 *   It fits the groups it lists; on a single pin it fits its own pins (pin-only) or the pins
 *   of its groups. Anything else → INVALID_PARAMETERS.
 * - SETTINGS_CONFIGURE with the function-valid bit and `function_id` 0xFFFFFFFF deselects
 *   the function (SETTINGS_GET then answers 0xFFFFFFFF); without the bit the field is
 *   ignored. SETTINGS_GET answers 0xFFFFFFFF also for a function the agent cannot see.
 * - Ownership (`_state.ts`): PINCTRL_REQUEST of a pin or group another agent owns →
 *   IN_USE; configuring it → DENIED. Claims are the agent's (votes in the platform's vote
 *   book): they go when it releases them, when its last session closes (after its grace
 *   period, none by default), at RESET_AGENT_CONFIGURATION or when it loses the resource.
 * - Configuration types 21–191 are reserved → INVALID_PARAMETERS; 192–255 (OEM) pass to the
 *   driver, which answers NOT_SUPPORTED for a type a pin lacks. Reading type 0 (Default) is
 *   the driver's call (the sim: NOT_SUPPORTED; writing it restores the power-on values).
 * - Paged replies hold as many entries as the agent's message size allows, at least one
 *   when some remain; a start index past the count → INVALID_PARAMETERS.
 *
 * Section numbers follow DEN0056E's order of the commands (§4.11.2.n).
 * @module
 */
import { defineProtocol } from "../../mod.ts";
import { functionKind, groupKind, pinKind } from "./kind.ts";
import { pinctrlRelease, pinctrlRequest } from "./_claims.ts";
import {
  pinctrlAttributes,
  pinctrlListAssociations,
  pinctrlNameGet,
  protocolAttributes,
} from "./_describe.ts";
import { pinctrlSetPermissions } from "./_permissions.ts";
import { pinctrlSettingsConfigure, pinctrlSettingsGet } from "./_settings.ts";
import {
  openPinctrl,
  type PinctrlSession,
  type PinctrlShared,
  revokePinctrl,
  setupPinctrl,
} from "./_state.ts";
import { PINCTRL_PROTOCOL, PinctrlMsg, PinctrlVersion } from "./msg.ts";
import { pinctrlCall } from "./call.ts";
import { emptyGroups, pinctrlWithoutPins } from "./lint.ts";

export {
  ConfigFlag,
  NO_FUNCTION_ID,
  PermissionFlag,
  PINCTRL_PROTOCOL,
  PinctrlAttr,
  PinctrlMsg,
  PinctrlVersion,
  Selector,
  SettingsConfigure,
  SettingsGet,
} from "./msg.ts";
export type { PinctrlSession, PinctrlShared } from "./_state.ts";

/** The Pin control protocol plugin. */
export const pinctrlProtocol = defineProtocol<PinctrlSession, PinctrlShared>({
  api: 1,
  id: PINCTRL_PROTOCOL,
  name: "pinctrl",
  call: pinctrlCall,
  lint: (dep) => [...pinctrlWithoutPins(dep), ...emptyGroups(dep)],
  dt: { label: "scmi_pinctrl" },
  versions: [PinctrlVersion.V1],
  kinds: [pinKind, groupKind, functionKind],
  commands: {
    [PinctrlMsg.PROTOCOL_ATTRIBUTES]: protocolAttributes,
    [PinctrlMsg.PINCTRL_ATTRIBUTES]: pinctrlAttributes,
    [PinctrlMsg.PINCTRL_LIST_ASSOCIATIONS]: pinctrlListAssociations,
    [PinctrlMsg.PINCTRL_SETTINGS_GET]: pinctrlSettingsGet,
    [PinctrlMsg.PINCTRL_SETTINGS_CONFIGURE]: pinctrlSettingsConfigure,
    [PinctrlMsg.PINCTRL_REQUEST]: pinctrlRequest,
    [PinctrlMsg.PINCTRL_RELEASE]: pinctrlRelease,
    [PinctrlMsg.PINCTRL_NAME_GET]: pinctrlNameGet,
    [PinctrlMsg.PINCTRL_SET_PERMISSIONS]: pinctrlSetPermissions,
  },
  setup: setupPinctrl,
  open: openPinctrl,
  onRevoke: revokePinctrl,
});
