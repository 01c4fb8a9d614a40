import { fileURLToPath } from "node:url";
import { assertEquals } from "../core/_assert_test.ts";
import { protocol as broken } from "../tests/conformance/broken_protocol.ts";
import { protocolConformance } from "./protocol.ts";
import { recorder } from "./_recorder_test.ts";

Deno.test("protocolConformance: fails each step a broken protocol breaks, and only those", async () => {
  const { t, outcomes } = recorder();
  await protocolConformance(t, {
    protocol: broken,
    manifest: fileURLToPath(new URL("../tests/conformance/broken.toml", import.meta.url)),
    agent: "vm1",
    paged: [{
      message: 0x4,
      params: (skip) => [skip],
      page: ([w]) => ({ returned: w! & 0xfff, remaining: w! >>> 16 }),
    }],
    reserved: { 0x10000: { protocol: [0xffff_0000] }, 0x20000: { protocol: [0xffff_0000] } },
    votes: [{ message: 0x5, params: [] }],
  });
  assertEquals(outcomes, {
    "PROTOCOL_VERSION: the newest version, 4 bytes": "ok",
    "PROTOCOL_ATTRIBUTES: exact length": "failed",
    "PROTOCOL_MESSAGE_ATTRIBUTES: 4 bytes per command, NOT_FOUND for none": "ok",
    "an unknown message: NOT_SUPPORTED": "ok",
    "parameters a byte short or long: PROTOCOL_ERROR": "ok",
    "ids the agent does not see: NOT_FOUND, and not counted": "ignored",
    "multi-part commands page to the end": "failed",
    "at every version: negotiable, later commands absent, reserved bits zero": "failed",
    "every vote goes when the agent's session ends": "failed",
    // Error replies are built by the core, status only, whatever a handler wrote.
    "every error reply is exactly 8 bytes": "ok",
  });
});
