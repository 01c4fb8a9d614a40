/**
 * A vendor's resource kind, end to end, with nothing edited outside this test's files: the
 * plugin module `vendor_kind/fan_protocol.ts` declares a `fan` kind; the board declares
 * `[[fan]]` tables and a device holding one; the deployment grants fans by member list
 * (`fans = […]`), by device and by `[[agent.fan]]` table; each agent then finds its fans
 * through the dispatcher at its own virtual ids, and no other.
 *
 * Expected words from the protocol module's layouts: header = message_id | protocol << 10;
 * PROTOCOL_ATTRIBUTES → status, fan count; FAN_MAX_RPM (0x3) and FAN_RPM (0x4) take a fan id
 * → status, rpm. The board: cpu_fan (physical 4, 9000 rpm), case_fan (7, 3000 rpm, device
 * "cooling"); the sim of the module spins each at a tenth of its maximum.
 * @module
 */
import { BUILTINS } from "../builtins.ts";
import { fileURLToPath } from "node:url";
import { assertEquals, assertRejects } from "../core/_assert_test.ts";
import { buildPlatform } from "../server/build.ts";
import { loadDeployment, ManifestError } from "../server/manifest/mod.ts";
import { Msg } from "../core/msg.ts";
import type { Platform } from "../core/platform.ts";
import { DRIVERS } from "../builtins.ts";
import { Status } from "../core/status.ts";
import { fanDriver, fanKind } from "./vendor_kind/fan_protocol.ts";

const here = (name: string) => fileURLToPath(new URL(`./vendor_kind/${name}`, import.meta.url));
const drivers = [...DRIVERS, fanDriver];

const FANS = 0x90;
const ATTRIBUTES = FANS << 10 | 0x1;
const MAX_RPM = FANS << 10 | 0x3;
const RPM = FANS << 10 | 0x4;

/** Sends `words` as `agent` on a fresh session; the reply as words. */
async function words(p: Platform, agent: string, req: number[]): Promise<number[]> {
  const s = p.openSession(p.agent(agent)!, { p2a: false });
  const bytes = new Uint8Array(req.length * 4);
  req.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(64);
  const m = new Msg();
  m.r.reset(bytes, 0, bytes.length);
  m.w.reset(out, 0, out.length);
  const n = await p.dispatch(s, m);
  p.closeSession(s, "end");
  const dv = new DataView(out.buffer, 0, n);
  return Array.from({ length: n / 4 }, (_, i) => dv.getUint32(i * 4, true));
}

Deno.test("a vendor kind: [[fan]] read from the board, granted three ways, seen through the dispatcher", async () => {
  const dep = await loadDeployment(here("vscmi.toml"), { ...BUILTINS, drivers });
  assertEquals(
    fanKind.of(dep.board).map((f) => [f.id, f.name, f.maxRpm]),
    [[4, "cpu_fan", 9000], [7, "case_fan", 3000]],
  );
  assertEquals(dep.board.devices, [{ id: 0, name: "cooling", resources: { fan: [7] } }]);
  // vm1: fans = ["cpu_fan"] → virtual 0; vm2: the device's case_fan at 0, cpu_fan at 3.
  assertEquals(dep.agents.map((a) => a.grants.fan), [[4], [7, -1, -1, 4]]);

  const built = await buildPlatform(dep, { drivers });
  try {
    const p = built.platform;
    assertEquals(await words(p, "vm1", [ATTRIBUTES]), [ATTRIBUTES, Status.SUCCESS, 1]);
    assertEquals(await words(p, "vm1", [MAX_RPM, 0]), [MAX_RPM, Status.SUCCESS, 9000]);
    assertEquals(await words(p, "vm1", [RPM, 0]), [RPM, Status.SUCCESS, 900]);
    // vm1 was not granted case_fan: no virtual id reaches it.
    assertEquals(await words(p, "vm1", [MAX_RPM, 1]), [MAX_RPM, Status.NOT_FOUND >>> 0]);
    assertEquals(await words(p, "vm2", [ATTRIBUTES]), [ATTRIBUTES, Status.SUCCESS, 4]);
    assertEquals(await words(p, "vm2", [MAX_RPM, 0]), [MAX_RPM, Status.SUCCESS, 3000]);
    assertEquals(await words(p, "vm2", [MAX_RPM, 1]), [MAX_RPM, Status.NOT_FOUND >>> 0]);
    assertEquals(await words(p, "vm2", [RPM, 3]), [RPM, Status.SUCCESS, 900]);
    // The [[agent.fan]] table's access = "read" is in vm2's rights.
    assertEquals(p.agent("vm2")!.grants.maps.fan.rights[3], 1);
  } finally {
    await built.close();
  }
});

Deno.test("a vendor kind's board and grant mistakes name file, key and line like any other", async () => {
  const e = await assertRejects(
    () => loadDeployment(here("bad.toml"), { ...BUILTINS, drivers }),
    ManifestError,
  ) as ManifestError;
  assertEquals(e.problems.map((p) => [p.file.split("/").pop(), p.line, p.keyPath, p.message]), [
    ["bad.board.toml", 11, "fan[0].max_rpm", "Expected a speed in rpm from 1 to 100000, got 0"],
    ["bad.toml", 10, "agent[0].fans[0]", 'Expected the name of a fan, got "no_such_fan"'],
  ]);
});
