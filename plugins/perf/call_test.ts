import {
  type Answer,
  DecodeError,
  nameWords,
  notification,
  scripted,
  status,
  unexpected,
  UsageError,
} from "../../client/mod.ts";
/**
 * `vscmi call perf` against scripted replies written from the Performance layouts (DEN0056
 * §4.5): PROTOCOL_ATTRIBUTES u16 domains | u16 flags << 16; DOMAIN_ATTRIBUTES flags,
 * rate_limit, sustained_freq_khz, sustained_level, name[16]; DESCRIBE_LEVELS u32 (11:0
 * returned, 31:16 remaining) then 12-byte (1.0–3.0) or 20-byte (4.0) entries.
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { perfProtocol } from "./mod.ts";

const V3 = 0x30000;
const V4 = 0x40000;
/** set limits | set level | limits notify | level notify. */
const FULL = 0xf000_0000;

/** One domain "cpu0": levels 408, 600, 1800 MHz (sustained 1608 MHz = level 1608). */
function cpu0(ver: number, flags = FULL) {
  return (id: number, p: number[]): Answer => {
    if (id === 0x0) return [ver];
    if (id === 0x1) return [0x0001_0001, 0, 0, 0];
    if (id === 0x3 && p[0] === 0) return [flags, 1000, 1_608_000, 1608, ...nameWords("cpu0")];
    if (id === 0x3) return status("NOT_FOUND");
    if (id === 0x4 && ver >= V4) {
      if (p[1] === 0) return [2 | (1 << 16), 408, 60, 200, 408_000, 0, 600, 95, 200, 600_000, 1];
      // Reserved bits 31:16 of the latency word are not part of the latency.
      if (p[1] === 2) return [1, 1800, 530, 300 | (0xabcd << 16), 1_800_000, 2];
    }
    if (id === 0x4) {
      if (p[1] === 0) return [2 | (1 << 16), 408, 60, 200, 600, 95, 200];
      if (p[1] === 2) return [1, 1800, 530, 300];
    }
    return unexpected(id, p);
  };
}

Deno.test("perf list at 4.0 → attributes, domain, every DESCRIBE_LEVELS page, in Linux's order", async () => {
  const s = scripted(perfProtocol, cpu0(V4));
  const out = await s.run("list");
  assertEquals(s.sent, [
    { id: 0x0, params: [] },
    { id: 0x1, params: [] },
    { id: 0x3, params: [0] },
    { id: 0x4, params: [0, 0] },
    { id: 0x4, params: [0, 2] },
  ]);
  const json = out.json as { powerUnit: string; domains: { name: string; levels: unknown[] }[] };
  assertEquals(json.powerUnit, "mW");
  assertEquals(json.domains[0].name, "cpu0");
  assertEquals(json.domains[0].levels, [
    { level: 408, power: 60, latencyUs: 200, freqKhz: 408_000, index: 0 },
    { level: 600, power: 95, latencyUs: 200, freqKhz: 600_000, index: 1 },
    { level: 1800, power: 530, latencyUs: 300, freqKhz: 1_800_000, index: 2 },
  ]);
  assert(
    /^0\s+cpu0\s+408–1800 \(3\)\s+1608 \(1\.608GHz\)\s+1ms\s+set-level,set-limits,notify$/m
      .test(out.text),
    out.text,
  );
});

Deno.test("perf levels at 3.0 → 12-byte entries, frequency from sustained_freq / sustained_level", async () => {
  const s = scripted(perfProtocol, cpu0(V3));
  const out = await s.run("levels", ["0"]);
  assert(/^1800\s+1\.8GHz\s+530mW\s+300µs$/m.test(out.text), out.text);
  assert(/^408\s+408MHz\s+60mW\s+200µs$/m.test(out.text), out.text);
});

Deno.test("PERFORMANCE_DOMAIN_NAME_GET is asked only at 3.0+ with flag bit 26", async () => {
  const long = "a_domain_name_longer_than_16";
  const answer = (ver: number) => (id: number, p: number[]): Answer =>
    id === 0xc ? [0, ...nameWords(long, 64)] : cpu0(ver, FULL | 0x0400_0000)(id, p);
  const v3 = scripted(perfProtocol, answer(V3));
  const listed = (await v3.run("list")).json as { domains: { name: string }[] };
  assertEquals(listed.domains[0].name, long);
  assertEquals(v3.sent.filter((x) => x.id === 0xc), [{ id: 0xc, params: [0] }]);
  const v2 = scripted(perfProtocol, answer(0x20000));
  const old = (await v2.run("list")).json as { domains: { name: string }[] };
  assertEquals(old.domains[0].name, "cpu0");
  assert(!v2.sent.some((x) => x.id === 0xc));
});

Deno.test("PERFORMANCE_DOMAIN_NAME_GET failing → the short name stays, as in Linux", async () => {
  const s = scripted(
    perfProtocol,
    (id, p) => id === 0xc ? status("NOT_SUPPORTED") : cpu0(V3, FULL | 0x0400_0000)(id, p),
  );
  const json = (await s.run("list")).json as { domains: { name: string }[] };
  assertEquals(json.domains[0].name, "cpu0");
});

Deno.test("DESCRIBE_LEVELS returning more than it announced → DecodeError", async () => {
  const s = scripted(perfProtocol, (id, p) => {
    if (id === 0x4 && p[1] === 0) return [1 | (1 << 16), 408, 60, 200];
    if (id === 0x4) return [2, 600, 95, 200, 1800, 530, 300];
    return cpu0(V3)(id, p);
  });
  await assertRejects(() => s.run("levels", ["0"]), DecodeError, "returned 2 levels at index 1");
});

Deno.test("DESCRIBE_LEVELS returning none with some remaining → DecodeError, no endless loop", async () => {
  const s = scripted(perfProtocol, (id, p) => id === 0x4 ? [0 | (5 << 16)] : cpu0(V3)(id, p));
  await assertRejects(() => s.run("levels", ["0"]), DecodeError);
  assertEquals(s.sent.filter((x) => x.id === 0x4).length, 1);
});

Deno.test("perf limits DOMAIN MIN MAX → LIMITS_SET with range_max before range_min", async () => {
  const s = scripted(perfProtocol, (id, p) => id === 0x5 ? [] : cpu0(V3)(id, p));
  await s.run("limits", ["0", "600", "1416"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [0, 1416, 600] });
  await assertRejects(() => s.run("limits", ["0", "600"]), UsageError, "both MIN and MAX");
});

Deno.test("perf limits DOMAIN → LIMITS_GET read as range_max then range_min", async () => {
  const s = scripted(perfProtocol, (id, p) => id === 0x6 ? [1800, 408] : cpu0(V3)(id, p));
  const out = await s.run("limits", ["cpu0"]);
  assertEquals(out.text, "cpu0: 408 (408MHz) – 1800 (1.8GHz)");
  assertEquals((out.json as { min: number; max: number }).min, 408);
});

Deno.test("perf get in level-indexing mode (4.0, bit 25) → the index's level", async () => {
  const s = scripted(
    perfProtocol,
    (id, p) => id === 0x8 ? [2] : cpu0(V4, FULL | 0x0200_0000)(id, p),
  );
  const out = await s.run("get", ["0"]);
  assertEquals(out.text, "cpu0: index 2: 1800 (1.8GHz)");
  assertEquals(out.json, { domain: 0, name: "cpu0", index: 2, level: 1800, hz: 1_800_000_000 });
});

Deno.test("perf set by name → LEVEL_SET [domain, level]; a status → StatusError", async () => {
  const s = scripted(perfProtocol, (id, p) => id === 0x7 ? [] : cpu0(V3)(id, p));
  await s.run("set", ["cpu0", "1200"]);
  assertEquals(s.sent.at(-1), { id: 0x7, params: [0, 1200] });
  const denied = scripted(perfProtocol, (id, p) => id === 0x7 ? status("DENIED") : cpu0(V3)(id, p));
  await assertRejects(
    () => denied.run("set", ["0", "1200"]),
    Error,
    "PERFORMANCE_LEVEL_SET answered DENIED",
  );
  await assertRejects(
    () => s.run("set", ["gpu", "1"]),
    UsageError,
    'No performance domain named "gpu"',
  );
});

Deno.test("perf watch → subscribes both, prints this domain's events, unsubscribes", async () => {
  const s = scripted(perfProtocol, (id, p) => id === 0x9 || id === 0xa ? [] : cpu0(V3)(id, p));
  s.p2a.push(
    notification(0x13, 0x1, [0, 1, 2016]), // another domain: skipped
    notification(0x13, 0x1, [3, 0, 600]),
    notification(0x13, 0x0, [0, 0, 1800, 600]),
  );
  const out = await s.run("watch", ["0"], { count: "2" });
  assertEquals(s.printed.map((p) => p.text), [
    "level 600 (600MHz) (agent 3)",
    "limits 600 (600MHz) – 1800 (1.8GHz) (agent 0)",
  ]);
  assertEquals(out.text, "(2 notifications; count reached)");
  assertEquals(
    s.sent.filter((x) => x.id === 0x9 || x.id === 0xa),
    [
      { id: 0xa, params: [0, 1] },
      { id: 0x9, params: [0, 1] },
      { id: 0xa, params: [0, 0] },
      { id: 0x9, params: [0, 0] },
    ],
  );
});
