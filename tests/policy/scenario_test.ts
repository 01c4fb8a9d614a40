/**
 * Multi-agent policy, end to end through the dispatcher, with two guests (vm1, vm2) and a
 * trusted host on the board and deployment of `_scenario.ts` (read its table first):
 * invisible resources in every protocol, virtual ids both ways (replies, notifications,
 * delayed responses), reference-counted enables, every rate policy on clocks and perf
 * levels, per-agent bounds, read-only access, grants changed at run time by the host through
 * Base, teardown on disconnect, the audit log and the request rate limit.
 *
 * Layouts (DEN0056; `shared/reference/scmi.md`): PROTOCOL_ATTRIBUTES bits 15:0 count the
 * agent's resources (pinctrl: pins 15:0 and groups 31:16, then functions); CLOCK_RATE_SET
 * a2p flags, clock_id, rate_lo, rate_hi; CLOCK_CONFIG_SET a2p clock_id, attributes (1:0
 * state), oem value; CLOCK_RATE_CHANGED p2a agent_id, clock_id, rate_lo, rate_hi;
 * PERFORMANCE_LEVEL_CHANGED p2a agent_id, domain_id, level; BASE_SET_DEVICE_PERMISSIONS a2p
 * agent_id, device_id, flags (bit 0 allow); BASE_RESET_AGENT_CONFIGURATION a2p agent_id,
 * flags (bit 0 permissions too).
 * @module
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { until } from "../../core/_wait_test.ts";
import { Status } from "../../core/status.ts";
import { MHZ, P, Scenario, u64 } from "./_scenario.ts";

const Clock = {
  ATTRIBUTES: 0x3,
  DESCRIBE_RATES: 0x4,
  RATE_SET: 0x5,
  RATE_GET: 0x6,
  CONFIG_SET: 0x7,
  NAME_GET: 0x8,
  RATE_NOTIFY: 0x9,
  POSSIBLE_PARENTS_GET: 0xc,
  PARENT_GET: 0xe,
  GET_PERMISSIONS: 0xf,
} as const;
const Perf = {
  ATTRIBUTES: 0x3,
  LIMITS_SET: 0x5,
  LEVEL_SET: 0x7,
  LEVEL_GET: 0x8,
  NOTIFY_LEVEL: 0xa,
};
const Base = { LIST_PROTOCOLS: 0x6, SET_DEVICE_PERMISSIONS: 0x9, RESET_AGENT: 0xb };
const VM1 = 1;
const VM2 = 2;
const ALL_PERMS = 0xe000_0000;
const RESTRICTED = 0x2;

/** Runs `fn` on a fresh scenario and takes it down after. */
function scenario(name: string, fn: (s: Scenario) => Promise<void>): void {
  Deno.test(name, async () => {
    const s = await Scenario.start();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  });
}

/** A clock rate request: synchronous, round down. */
const rateSet = (s: Scenario, agent: string, vid: number, hz: number) =>
  s.status(agent, P.CLOCK, Clock.RATE_SET, [0, vid, ...u64(hz)]);

/** A clock enable (state 1) or disable (0), protocol 3.0 layout. */
const enable = (s: Scenario, agent: string, vid: number, on: boolean) =>
  s.ok(agent, P.CLOCK, Clock.CONFIG_SET, [vid, on ? 1 : 0, 0]);

// ── Visibility ───────────────────────────────────────────────────────────────────────────

/** Per protocol: a command taking a resource id first, and the count in PROTOCOL_ATTRIBUTES. */
const PROBES = [
  { protocol: P.POWER, attrs: 0x3, extra: [] },
  { protocol: P.PERF, attrs: 0x3, extra: [] },
  { protocol: P.CLOCK, attrs: 0x3, extra: [] },
  { protocol: P.SENSOR, attrs: 0x6, extra: [0] },
  { protocol: P.RESET, attrs: 0x3, extra: [] },
  { protocol: P.VOLTAGE, attrs: 0x3, extra: [] },
  { protocol: P.POWERCAP, attrs: 0x3, extra: [] },
] as const;

scenario(
  "invisible resources: not counted, NOT_FOUND, never named, in every protocol",
  async (s) => {
    // Counts each guest sees (PROTOCOL_ATTRIBUTES 15:0), by hand from the deployment.
    const counts: Record<string, number[]> = {
      vm1: [1, 2, 6, 1, 1, 1, 1],
      vm2: [1, 2, 4, 1, 1, 1, 1],
      host: [2, 2, 3, 1, 1, 1, 1],
    };
    for (const agent of ["vm1", "vm2", "host"]) {
      for (const [i, probe] of PROBES.entries()) {
        const n = (await s.ok(agent, probe.protocol, 0x1))[0] & 0xffff;
        assertEquals(n, counts[agent][i], `${agent} protocol 0x${probe.protocol.toString(16)}`);
        for (let id = 0; id < n; id++) {
          const r = await s.call(agent, probe.protocol, probe.attrs, [id, ...probe.extra]);
          assertEquals(r.status, Status.SUCCESS, `${agent} 0x${probe.protocol.toString(16)} ${id}`);
          if (agent !== "host") assert(!r.text.includes("hidden"), `${agent}: ${r.text}`);
        }
        // One past the agent's last id, and the host's hidden resources' physical ids.
        for (const id of [n, 1, 5, 0xffff]) {
          if (id < n) continue;
          assertEquals(
            await s.status(agent, probe.protocol, probe.attrs, [id, ...probe.extra]),
            Status.NOT_FOUND,
          );
        }
      }
    }
    // Pin control: vm1 sees p0, g0, f0 (1 pin, 1 group; 1 function); names never hidden_*.
    assertEquals(await s.ok("vm1", P.PINCTRL, 0x1), [1 | 1 << 16, 1]);
    for (const type of [0, 1, 2]) {
      const r = await s.call("vm1", P.PINCTRL, 0x3, [0, type]);
      assertEquals(r.status, Status.SUCCESS);
      assert(!r.text.includes("hidden"), r.text);
      assertEquals(await s.status("vm1", P.PINCTRL, 0x3, [1, type]), Status.NOT_FOUND);
    }
    // vm2 is not granted pin control: absent from DISCOVER_LIST_PROTOCOLS, NOT_SUPPORTED.
    assertEquals(await s.status("vm2", P.PINCTRL, 0x1), Status.NOT_SUPPORTED);
    const list = await s.ok("vm2", P.BASE, Base.LIST_PROTOCOLS, [0]);
    const ids = list.slice(1).flatMap((w) => [w & 0xff, w >>> 8 & 0xff, w >>> 16 & 0xff, w >>> 24]);
    assertEquals(ids.slice(0, list[0]), [0x11, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]);

    // A clock whose only parent is hidden shows no parent at all to the guest.
    assertEquals((await s.ok("vm1", P.CLOCK, Clock.ATTRIBUTES, [5]))[0] & 0x1000_0000, 0);
    assertEquals(
      await s.status("vm1", P.CLOCK, Clock.POSSIBLE_PARENTS_GET, [5, 0]),
      Status.NOT_SUPPORTED,
    );

    // Notifications: the guests subscribe to every clock and perf domain they see; the host
    // changes its hidden clock and perf domain, and pix (which vm2 does not see).
    for (const [agent, clocks] of [["vm1", 6], ["vm2", 4]] as const) {
      for (let v = 0; v < clocks; v++) await s.ok(agent, P.CLOCK, Clock.RATE_NOTIFY, [v, 1]);
      for (let v = 0; v < 2; v++) await s.ok(agent, P.PERF, Perf.NOTIFY_LEVEL, [v, 1]);
    }
    assertEquals(await rateSet(s, "host", 0, 2 * MHZ), Status.SUCCESS);
    await s.ok("host", P.PERF, Perf.LEVEL_SET, [0, 300]);
    assertEquals(s.drain("vm1"), []);
    assertEquals(s.drain("vm2"), []);
    assertEquals(await rateSet(s, "host", 2, 120 * MHZ), Status.SUCCESS);
    assertEquals(s.drain("vm2"), [], "vm2 does not see pix");
    // vm1 hears of pix by its own id 1, from agent 0: never the host's id 3.
    assertEquals(s.drain("vm1").map((n) => n.words), [[0, 1, 120 * MHZ, 0]]);
  },
);

// ── Virtual ids ──────────────────────────────────────────────────────────────────────────

scenario(
  "virtual ids: requests, replies, notifications and delayed responses in each agent's ids",
  async (s) => {
    // bus: vm1's clock 5 (named "vm1_bus"), vm2's clock 0 (its board name).
    const name = async (agent: string, vid: number) => {
      const w = await s.call(agent, P.CLOCK, Clock.NAME_GET, [vid]);
      return w.text.slice(12).replace(/\0.*$/s, "");
    };
    assertEquals([await name("vm1", 5), await name("vm2", 0)], ["vm1_bus", "bus"]);
    assertEquals(
      (await s.call("vm1", P.CLOCK, Clock.ATTRIBUTES, [5])).text.slice(12, 19),
      "vm1_bus",
    );
    // Physical → virtual in replies: gated's parent is bus, vm1's 5 and vm2's 0.
    assertEquals(await s.ok("vm1", P.CLOCK, Clock.PARENT_GET, [0]), [5]);
    assertEquals(await s.ok("vm2", P.CLOCK, Clock.PARENT_GET, [1]), [0]);
    assertEquals(await s.ok("vm1", P.CLOCK, Clock.POSSIBLE_PARENTS_GET, [0, 0]), [1, 5]);

    // Virtual → physical in requests, physical → virtual in notifications.
    await s.ok("vm2", P.CLOCK, Clock.RATE_NOTIFY, [0, 1]);
    await s.ok("vm1", P.CLOCK, Clock.RATE_NOTIFY, [5, 1]);
    assertEquals(await rateSet(s, "vm1", 5, 200 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(1), 200 * MHZ);
    // agent_id: the changer's (vm1 = 1) for vm1 only, 0 for vm2; clock_id: the receiver's own.
    assertEquals(s.drain("vm2").map((n) => [n.id, n.words]), [[0, [0, 0, 200 * MHZ, 0]]]);
    assertEquals(s.drain("vm1").map((n) => [n.id, n.words]), [[0, [VM1, 5, 200 * MHZ, 0]]]);

    // The delayed response of an asynchronous rate change names the clock by the caller's id.
    await s.ok("vm1", P.CLOCK, Clock.RATE_NOTIFY, [5, 0]);
    const r = await s.call("vm1", P.CLOCK, Clock.RATE_SET, [1, 2, ...u64(10 * MHZ)]);
    assertEquals(r.status, Status.SUCCESS);
    await until(() => s.session("vm1").p2a!.length > 0, "CLOCK_RATE_SET_COMPLETE");
    const delayed = s.drain("vm1");
    assertEquals(delayed.map((d) => [d.type, d.protocol, d.id, d.words]), [
      [2, P.CLOCK, Clock.RATE_SET, [0, 2, 10 * MHZ, 0]],
    ]);

    // Perf: cpu is vm1's domain 0 and vm2's domain 1; vm2 hears vm1's change from agent 0.
    await s.ok("vm2", P.PERF, Perf.NOTIFY_LEVEL, [1, 1]);
    await s.ok("vm1", P.PERF, Perf.LEVEL_SET, [0, 200]);
    assertEquals(s.drain("vm2").map((n) => [n.id, n.words]), [[1, [0, 1, 200]]]);
  },
);

// ── Enables ──────────────────────────────────────────────────────────────────────────────

scenario(
  "enables are counted across agents; each reads its own vote; kept clocks stay on",
  async (s) => {
    const GATED = 6;
    assertEquals(s.clockOn(GATED), false);
    await enable(s, "vm1", 0, true);
    assertEquals(s.clockOn(GATED), true);
    await enable(s, "vm2", 1, true);
    // vm2 reads its vote (on), the host never voted for osc and reads it off, though it runs.
    assertEquals((await s.ok("vm2", P.CLOCK, Clock.ATTRIBUTES, [1]))[0] & 1, 1);
    await enable(s, "vm1", 0, false);
    assertEquals((await s.ok("vm1", P.CLOCK, Clock.ATTRIBUTES, [0]))[0] & 1, 0);
    assertEquals(s.clockOn(GATED), true, "vm2 still holds it");
    await enable(s, "vm2", 1, false);
    assertEquals(s.clockOn(GATED), false, "the last vote went");
    // osc is kept on ([policy.keep_on]): the host's enable then disable leave it running.
    assertEquals((await s.ok("host", P.CLOCK, Clock.ATTRIBUTES, [1]))[0] & 1, 0);
    await enable(s, "host", 1, true);
    await enable(s, "host", 1, false);
    assertEquals(s.clockOn(0), true);
  },
);

// ── Rate policies ────────────────────────────────────────────────────────────────────────

scenario(
  "policy max (bus): the highest request runs; a leaving agent's request goes",
  async (s) => {
    assertEquals(await rateSet(s, "vm2", 0, 50 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(1), 50 * MHZ);
    assertEquals(await rateSet(s, "vm1", 5, 100 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(1), 100 * MHZ);
    // A lower request succeeds but does not move the clock.
    assertEquals(await rateSet(s, "vm2", 0, 50 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(1), 100 * MHZ);
    s.reconnect("vm1");
    assertEquals(await s.clockRate(1), 50 * MHZ, "vm1's 100 MHz went with its session");
  },
);

scenario("policy min (slow): the lowest request runs", async (s) => {
  assertEquals(await rateSet(s, "vm1", 2, 40 * MHZ), Status.SUCCESS);
  assertEquals(await rateSet(s, "vm2", 2, 20 * MHZ), Status.SUCCESS);
  assertEquals(await s.clockRate(3), 20 * MHZ);
  assertEquals(await rateSet(s, "vm1", 2, 10 * MHZ), Status.SUCCESS);
  assertEquals(await s.clockRate(3), 10 * MHZ);
  s.reconnect("vm1");
  assertEquals(await s.clockRate(3), 20 * MHZ);
});

scenario(
  "policy last (tick): the latest request runs; then the latest of those left",
  async (s) => {
    assertEquals(await rateSet(s, "vm1", 3, 2 * MHZ), Status.SUCCESS);
    assertEquals(await rateSet(s, "vm2", 3, 4 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(4), 4 * MHZ);
    assertEquals(await rateSet(s, "vm1", 3, 1 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(4), 1 * MHZ);
    s.reconnect("vm1");
    assertEquals(await s.clockRate(4), 4 * MHZ);
  },
);

scenario(
  "policy exclusive (pix): the first requester owns it, others DENIED until it lets go",
  async (s) => {
    assertEquals(await rateSet(s, "vm1", 1, 100 * MHZ), Status.SUCCESS);
    assertEquals(await rateSet(s, "host", 2, 120 * MHZ), Status.DENIED);
    assertEquals(await s.clockRate(2), 100 * MHZ);
    assertEquals(await rateSet(s, "vm1", 1, 110 * MHZ), Status.SUCCESS, "the owner may change it");
    assertEquals(s.audit("host").length, 1, "the refusal is audited");
    assert(s.audit("host")[0].includes('clock CLOCK_RATE_SET clock 2 (board "pix"): DENIED'));
    s.reconnect("vm1");
    assertEquals(await rateSet(s, "host", 2, 130 * MHZ), Status.SUCCESS);
    assertEquals(await s.clockRate(2), 130 * MHZ);
  },
);

scenario(
  "perf policies: cpu max across guests, dsp exclusive to its first requester",
  async (s) => {
    await s.ok("vm1", P.PERF, Perf.LEVEL_SET, [0, 200]);
    await s.ok("vm2", P.PERF, Perf.LEVEL_SET, [1, 300]);
    assertEquals(await s.perfLevel(0), 300);
    await s.ok("vm1", P.PERF, Perf.LEVEL_SET, [0, 100]);
    assertEquals(await s.perfLevel(0), 300, "vm2's 300 is still the highest");
    s.reconnect("vm2");
    assertEquals(await s.perfLevel(0), 100);
    // dsp: vm2's domain 0, the host's domain 1.
    await s.ok("vm2", P.PERF, Perf.LEVEL_SET, [0, 200]);
    assertEquals(await s.status("host", P.PERF, Perf.LEVEL_SET, [1, 400]), Status.DENIED);
    assertEquals(await s.perfLevel(2), 200);
  },
);

// ── Bounds and read-only access ──────────────────────────────────────────────────────────

scenario(
  "per-agent bounds: outside min–max → OUT_OF_RANGE, outside the allowed set → DENIED; DESCRIBE_RATES lists only what the agent may set",
  async (s) => {
    // vm1 may set pix up to 150 MHz; the board goes to 300 MHz.
    assertEquals(await rateSet(s, "vm1", 1, 150 * MHZ), Status.SUCCESS);
    assertEquals(await rateSet(s, "vm1", 1, 151 * MHZ), Status.OUT_OF_RANGE);
    // vm2 may set bus to 50 or 100 MHz only.
    assertEquals(await rateSet(s, "vm2", 0, 200 * MHZ), Status.DENIED);
    assertEquals(await rateSet(s, "vm2", 0, 100 * MHZ), Status.SUCCESS);
    // vm2: cpu (its domain 1) up to level 300, in LEVEL_SET and in both LIMITS_SET limits.
    assertEquals(await s.status("vm2", P.PERF, Perf.LEVEL_SET, [1, 400]), Status.OUT_OF_RANGE);
    assertEquals(
      await s.status("vm2", P.PERF, Perf.LIMITS_SET, [1, 400, 100]),
      Status.OUT_OF_RANGE,
    );
    assertEquals(await s.status("vm2", P.PERF, Perf.LIMITS_SET, [1, 300, 100]), Status.SUCCESS);
    // vm1: vdd up to 900 mV (VOLTAGE_LEVEL_SET a2p domain, flags, s32 µV).
    assertEquals(await s.status("vm1", P.VOLTAGE, 0x7, [0, 0, 1_000_000]), Status.OUT_OF_RANGE);
    assertEquals(await s.status("vm1", P.VOLTAGE, 0x7, [0, 0, 800_000]), Status.SUCCESS);
    // vm2: cap 2–4 W; 0 (no cap at all) is above 4 W.
    assertEquals(await s.status("vm2", P.POWERCAP, 0x5, [0, 0, 1_500_000]), Status.OUT_OF_RANGE);
    assertEquals(await s.status("vm2", P.POWERCAP, 0x5, [0, 0, 0]), Status.OUT_OF_RANGE);
    assertEquals(await s.status("vm2", P.POWERCAP, 0x5, [0, 0, 3_000_000]), Status.SUCCESS);
    // Nothing refused reached the hardware.
    assertEquals(await s.clockRate(2), 150 * MHZ);
    assertEquals(await s.clockRate(1), 100 * MHZ);
    // CLOCK_DESCRIBE_RATES (p2a num_rates_flags, then u64 rates) shows each agent only what
    // it may set: pix (range 25–300 MHz, 1 MHz steps, bit 12) up to 150 MHz for vm1, all of
    // it for the host; bus (50, 100, 200 MHz) as 50 and 100 MHz for vm2, all three for vm1.
    const RANGE = 0x1000;
    assertEquals(
      await s.ok("vm1", P.CLOCK, Clock.DESCRIBE_RATES, [1, 0]),
      [3 | RANGE, ...u64(25 * MHZ), ...u64(150 * MHZ), ...u64(1 * MHZ)],
    );
    assertEquals(
      await s.ok("host", P.CLOCK, Clock.DESCRIBE_RATES, [2, 0]),
      [3 | RANGE, ...u64(25 * MHZ), ...u64(300 * MHZ), ...u64(1 * MHZ)],
    );
    assertEquals(
      await s.ok("vm2", P.CLOCK, Clock.DESCRIBE_RATES, [0, 0]),
      [2, ...u64(50 * MHZ), ...u64(100 * MHZ)],
    );
    assertEquals(await s.status("vm2", P.CLOCK, Clock.DESCRIBE_RATES, [0, 2]), Status.OUT_OF_RANGE);
    assertEquals(
      await s.ok("vm1", P.CLOCK, Clock.DESCRIBE_RATES, [5, 0]),
      [3, ...u64(50 * MHZ), ...u64(100 * MHZ), ...u64(200 * MHZ)],
    );
  },
);

scenario(
  "read-only access: reads answer, changes DENIED, permissions and attributes say so",
  async (s) => {
    // aux is vm1's clock 4, read only.
    assertEquals(await s.ok("vm1", P.CLOCK, Clock.RATE_GET, [4]), [5 * MHZ, 0]);
    assertEquals(await rateSet(s, "vm1", 4, 6 * MHZ), Status.DENIED);
    assertEquals(await s.status("vm1", P.CLOCK, Clock.CONFIG_SET, [4, 1, 0]), Status.DENIED);
    assertEquals(await s.ok("vm1", P.CLOCK, Clock.GET_PERMISSIONS, [4]), [0]);
    assertEquals((await s.ok("vm1", P.CLOCK, Clock.ATTRIBUTES, [4]))[0] & RESTRICTED, RESTRICTED);
    assertEquals(await s.ok("vm1", P.CLOCK, Clock.GET_PERMISSIONS, [3]), [ALL_PERMS]);
    assertEquals((await s.ok("vm1", P.CLOCK, Clock.ATTRIBUTES, [3]))[0] & RESTRICTED, 0);
    // dsp is vm1's perf domain 1, read only: bits 31 (limits) and 30 (level) clear.
    assertEquals((await s.ok("vm1", P.PERF, Perf.ATTRIBUTES, [1]))[0] >>> 30, 0);
    assertEquals((await s.ok("vm1", P.PERF, Perf.ATTRIBUTES, [0]))[0] >>> 30, 3);
    assertEquals(await s.status("vm1", P.PERF, Perf.LEVEL_SET, [1, 200]), Status.DENIED);
    assertEquals(await s.ok("vm1", P.PERF, Perf.LEVEL_GET, [1]), [100]);
  },
);

// ── Grants changed at run time ───────────────────────────────────────────────────────────

scenario(
  "runtime grants: the host grants and revokes a device through Base; votes go with it",
  async (s) => {
    const AUX = 7;
    assertEquals((await s.ok("vm2", P.CLOCK, 0x1))[0] & 0xffff, 4);
    // Only a trusted agent may: vm1 → DENIED (audited).
    assertEquals(
      await s.status("vm1", P.BASE, Base.SET_DEVICE_PERMISSIONS, [VM2, 1, 1]),
      Status.DENIED,
    );
    assertEquals(s.audit("vm1").length, 1);
    await s.ok("host", P.BASE, Base.SET_DEVICE_PERMISSIONS, [VM2, 1, 1]);
    // aux appears as vm2's clock 4, with full rights.
    assertEquals((await s.ok("vm2", P.CLOCK, 0x1))[0] & 0xffff, 5);
    assertEquals((await s.call("vm2", P.CLOCK, Clock.NAME_GET, [4])).text.slice(12, 15), "aux");
    await enable(s, "vm2", 4, true);
    assertEquals(s.clockOn(AUX), true);
    // Revoked: NOT_FOUND, its enable vote released, the count keeps the hole.
    await s.ok("host", P.BASE, Base.SET_DEVICE_PERMISSIONS, [VM2, 1, 0]);
    assertEquals(await s.status("vm2", P.CLOCK, Clock.ATTRIBUTES, [4]), Status.NOT_FOUND);
    assertEquals(s.clockOn(AUX), false);
    assertEquals((await s.ok("vm2", P.CLOCK, 0x1))[0] & 0xffff, 5);

    // RESET_AGENT_CONFIGURATION: vm1's votes go at once, exclusive ownership included.
    assertEquals(await rateSet(s, "vm1", 1, 100 * MHZ), Status.SUCCESS);
    assertEquals(await rateSet(s, "host", 2, 120 * MHZ), Status.DENIED);
    await s.ok("host", P.BASE, Base.RESET_AGENT, [VM1, 0]);
    assertEquals(await rateSet(s, "host", 2, 120 * MHZ), Status.SUCCESS);
  },
);

scenario(
  "runtime grants: a device granted back keeps the deployment's read-only access, names and bounds",
  async (s) => {
    // Device extra holds aux, which the deployment lets vm1 read only (its clock 4): granting
    // the device does not make it writable.
    await s.ok("host", P.BASE, Base.SET_DEVICE_PERMISSIONS, [VM1, 1, 1]);
    assertEquals(await rateSet(s, "vm1", 4, 6 * MHZ), Status.DENIED);
    assertEquals(await s.ok("vm1", P.CLOCK, Clock.GET_PERMISSIONS, [4]), [0]);
    // Device io revoked and granted back: bus and gated come back at new ids 6 and 7 (holes
    // stay at 0 and 5), bus under vm1's own name; vdd (voltage 0, now 1) with its 900 mV max.
    await s.ok("host", P.BASE, Base.SET_DEVICE_PERMISSIONS, [VM1, 0, 0]);
    await s.ok("host", P.BASE, Base.SET_DEVICE_PERMISSIONS, [VM1, 0, 1]);
    assertEquals((await s.ok("vm1", P.CLOCK, 0x1))[0] & 0xffff, 8);
    assertEquals(await s.status("vm1", P.CLOCK, Clock.ATTRIBUTES, [5]), Status.NOT_FOUND);
    // CLOCK_NAME_GET p2a: flags, then the name.
    assertEquals(
      (await s.call("vm1", P.CLOCK, Clock.NAME_GET, [6])).text.slice(12, 20),
      "vm1_bus\0",
    );
    assertEquals(await s.status("vm1", P.VOLTAGE, 0x7, [1, 0, 1_000_000]), Status.OUT_OF_RANGE);
    assertEquals(await s.status("vm1", P.VOLTAGE, 0x7, [1, 0, 800_000]), Status.SUCCESS);
  },
);

// ── Teardown ─────────────────────────────────────────────────────────────────────────────

scenario(
  "teardown: a guest's disconnect releases its enables, rates and subscriptions",
  async (s) => {
    const GATED = 6;
    await enable(s, "vm1", 0, true);
    await s.ok("vm1", P.CLOCK, Clock.RATE_NOTIFY, [5, 1]);
    assertEquals(await rateSet(s, "vm2", 0, 50 * MHZ), Status.SUCCESS);
    assertEquals(await rateSet(s, "vm1", 5, 200 * MHZ), Status.SUCCESS);
    assertEquals([s.clockOn(GATED), await s.clockRate(1)], [true, 200 * MHZ]);
    s.reconnect("vm1");
    assertEquals([s.clockOn(GATED), await s.clockRate(1)], [false, 50 * MHZ]);
    // The new session starts with no vote and no subscription.
    assertEquals((await s.ok("vm1", P.CLOCK, Clock.ATTRIBUTES, [0]))[0] & 1, 0);
    assertEquals(await rateSet(s, "vm2", 0, 100 * MHZ), Status.SUCCESS);
    assertEquals(s.drain("vm1"), []);
  },
);

// ── Audit and rate limit ─────────────────────────────────────────────────────────────────

scenario(
  "audit: a guest hammering a read-only clock leaves 10 lines a second and a count",
  async (s) => {
    s.hold = true;
    for (let i = 0; i < 500; i++) await rateSet(s, "vm1", 4, 6 * MHZ);
    const lines = s.audit("vm1");
    assertEquals(lines.length, 10);
    assertEquals(
      lines[0],
      'warn: audit: agent "vm1" clock CLOCK_RATE_SET clock 4 (board "aux"): DENIED: the agent ' +
        "may not change it (read-only access)",
    );
    s.t += 1000;
    // A rate pix supports (up to 300 MHz) but vm1 may not set.
    await rateSet(s, "vm1", 1, 200 * MHZ);
    assertEquals(s.audit("vm1").slice(10), [
      'warn: audit: agent "vm1": 490 more refused requests suppressed in the last 1000 ms',
      'warn: audit: agent "vm1" clock CLOCK_RATE_SET clock 1 (board "pix"): OUT_OF_RANGE: ' +
      "200000000 outside its bounds …–150000000",
    ]);
  },
);

scenario(
  "rate limit: vm2 past its burst → BUSY; vm1 is not slowed; tokens come back",
  async (s) => {
    s.hold = true;
    s.t += 1000; // a quiet second: vm2's bucket is full (50).
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      statuses.push(
        await s.status("vm2", P.CLOCK, Clock.RATE_GET, [0]),
      );
    }
    assertEquals(statuses.filter((x) => x === Status.SUCCESS).length, 50);
    assertEquals(statuses.filter((x) => x === Status.BUSY).length, 150);
    assertEquals(statuses.indexOf(Status.BUSY), 50, "the first 50 pass");
    assertEquals(await s.status("vm1", P.CLOCK, Clock.RATE_GET, [5]), Status.SUCCESS);
    const audit = s.audit("vm2");
    assertEquals(audit.length, 10);
    assertEquals(
      audit[0],
      'warn: audit: agent "vm2" clock CLOCK_RATE_GET: BUSY: over its rate limit of 1000 ' +
        "requests per second",
    );
    // 1000 a second: 10 ms bring 10 requests back.
    s.t += 10;
    statuses.length = 0;
    for (let i = 0; i < 20; i++) statuses.push(await s.status("vm2", P.CLOCK, Clock.RATE_GET, [0]));
    assertEquals(statuses.filter((x) => x === Status.SUCCESS).length, 10);
  },
);
