/**
 * End to end, Clock management protocol (0x14) over the stream transport: the probe walk of
 * Linux's clock driver checked against the board manifest and each agent's grants, then
 * every command over the socket — rounding, asynchronous changes with their delayed
 * response after the reply, notifications across agents with each receiver's own ids, and
 * enable votes released when a connection closes.
 *
 * Layouts (DEN0056 §4.6; `shared/reference/scmi.md` §2.6): CLOCK_ATTRIBUTES p2a u32
 * attributes, char name[16], u32 enable_latency; DESCRIBE_RATES p2a u32 num_rates_flags
 * (returned 11:0, range 12, remaining 31:16) then u64 rates; notifications u32 agent_id,
 * u32 clock_id, u64 rate.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { ClockDesc } from "../../plugins/clock/kind.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { type E2e, p2a, simBoardPath, startE2e, u64Words } from "./_server.ts";

const CLOCK = 0x14;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  CLOCK_ATTRIBUTES: 0x3,
  DESCRIBE_RATES: 0x4,
  RATE_SET: 0x5,
  RATE_GET: 0x6,
  CONFIG_SET: 0x7,
  NAME_GET: 0x8,
  RATE_NOTIFY: 0x9,
  RATE_CHANGE_REQUESTED_NOTIFY: 0xa,
  CONFIG_GET: 0xb,
  POSSIBLE_PARENTS_GET: 0xc,
  PARENT_SET: 0xd,
  PARENT_GET: 0xe,
  GET_PERMISSIONS: 0xf,
} as const;
const SHARED = new URL("./shared.toml", import.meta.url).pathname;
const MHZ = 1_000_000;

function clockDesc(e2e: E2e, phys: number): ClockDesc {
  const d = clockKind.of(e2e.dep.board).find((c) => c.id === phys);
  if (!d) throw new Error(`No clock ${phys} on the board`);
  return d;
}

function grants(e2e: E2e, agent: string): number[] {
  return e2e.dep.agents.find((a) => a.name === agent)!.grants.clock ?? [];
}

/**
 * Linux's probe of one agent's clocks, each answer compared with what the manifest says
 * the agent should see: names by virtual id, rates, parents by the agent's own ids.
 */
async function walk(e2e: E2e, c: ScmiClient, agent: string, perPage: number): Promise<void> {
  const phys = grants(e2e, agent);
  assertEquals((await e2e.ok(c, CLOCK, Msg.VERSION)).u32(), 0x30000);
  // num_clocks 15:0 = the agent's grants; max_async_req 23:16 = 8 with a p2a channel.
  assertEquals((await e2e.ok(c, CLOCK, Msg.ATTRIBUTES)).u32(), phys.length | 8 << 16);
  for (const m of [Msg.RATE_NOTIFY, Msg.RATE_CHANGE_REQUESTED_NOTIFY]) {
    assertEquals((await e2e.ok(c, CLOCK, Msg.MESSAGE_ATTRIBUTES, [m])).u32(), 0);
  }
  const access = e2e.dep.agents.find((a) => a.name === agent)!.access?.clock;
  for (let vid = 0; vid < phys.length; vid++) {
    const d = clockDesc(e2e, phys[vid]);
    // `[[agent.clock]]` may rename the clock and make it read-only (restricted, bit 1).
    const own = access?.get(phys[vid]);
    const name = own?.name ?? d.name;
    const readOnly = own !== undefined && (own.rights & 2) === 0;
    const a = await e2e.ok(c, CLOCK, Msg.CLOCK_ATTRIBUTES, [vid]);
    const mux = d.parents.length > 0 ? d.parents : d.parent !== undefined ? [d.parent] : [];
    const seen = mux.filter((p) => phys.includes(p));
    const attr = 0xc000_0000 | (seen.length > 0 ? 0x1000_0000 : 0) |
      ((d.oemConfig?.length ?? 0) > 0 ? 0x0800_0000 : 0) | (readOnly ? 0x2 : 0);
    assertEquals(a.u32(), attr >>> 0, `${agent} clock ${vid} attributes`);
    assertEquals(a.name(16), name);
    assertEquals(a.u32(), d.enableLatencyUs ?? 0, `${d.name} enable latency`);
    assertEquals(a.remaining, 0);

    const n = await e2e.ok(c, CLOCK, Msg.NAME_GET, [vid]);
    assertEquals([n.u32(), n.name(64)], [0, name]);

    if (seen.length > 0) {
      const p = await e2e.ok(c, CLOCK, Msg.POSSIBLE_PARENTS_GET, [vid, 0]);
      assertEquals(p.u32(), seen.length, `${d.name}: all parents in one page, none remaining`);
      for (const s of seen) assertEquals(p.u32(), phys.indexOf(s));
      const cur = await e2e.request(c, CLOCK, Msg.PARENT_GET, [vid]);
      const parent = d.parent ?? mux[0];
      if (phys.includes(parent)) {
        assertEquals(cur.status, Status.SUCCESS);
        assertEquals(cur.payload.u32(), phys.indexOf(parent));
      } else {
        assertEquals(cur.status, Status.NOT_FOUND, `${d.name}: its parent is hidden`);
      }
    } else {
      assertEquals(
        await e2e.status(c, CLOCK, Msg.POSSIBLE_PARENTS_GET, [vid, 0]),
        Status.NOT_SUPPORTED,
      );
    }
    assertEquals(
      (await e2e.ok(c, CLOCK, Msg.GET_PERMISSIONS, [vid])).u32(),
      readOnly ? 0 : 0xe000_0000,
      `${name} permissions`,
    );

    // An agent with bounds is shown only the rates it may set (vm1's gpu_core_clk: ≤ 600 MHz).
    const b = own?.bounds;
    const r = d.rates.kind === "list" && b !== undefined
      ? {
        kind: "list" as const,
        rates: d.rates.rates.filter((x) =>
          x >= (b.min ?? 0) && x <= (b.max ?? Infinity) && (b.values?.includes(x) ?? true)
        ),
      }
      : d.rates;
    if (r.kind === "range") {
      assert(b === undefined, `${d.name}: a bounded range clock needs its clipped triplet here`);
      const p = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [vid, 0]);
      assertEquals(p.u32(), 3 | 0x1000, `${d.name}: one triplet, nothing remaining`);
      assertEquals([p.u64(), p.u64(), p.u64()], [r.min, r.max, r.step]);
    } else {
      const got: number[] = [];
      while (got.length < r.rates.length) {
        const p = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [vid, got.length]);
        const flags = p.u32();
        const returned = flags & 0xfff;
        const left = r.rates.length - got.length;
        assertEquals(returned, Math.min(left, perPage), `${d.name} page at ${got.length}`);
        assertEquals(flags >>> 16, left - returned);
        for (let i = 0; i < returned; i++) got.push(p.u64());
      }
      assertEquals(got, r.rates);
      // Linux's lazy probe also asks for the last rate alone.
      const last = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [vid, r.rates.length - 1]);
      assertEquals([last.u32(), last.u64()], [1, r.rates[r.rates.length - 1]]);
      assertEquals(
        await e2e.status(c, CLOCK, Msg.DESCRIBE_RATES, [vid, r.rates.length]),
        Status.OUT_OF_RANGE,
      );
    }
    assertEquals((await e2e.ok(c, CLOCK, Msg.RATE_GET, [vid])).u64(), d.rate, `${d.name} rate`);
  }
  assertEquals(await e2e.status(c, CLOCK, Msg.CLOCK_ATTRIBUTES, [phys.length]), Status.NOT_FOUND);
}

Deno.test("e2e clock: the Linux probe walk of vm1, vm2 and host matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  // vm1's view, by hand from examples/sim/vscmi.toml: its devices' clocks, then timer_clk.
  assertEquals(grants(e2e, "vm1").map((p) => clockDesc(e2e, p).name), [
    "uart0_clk",
    "apb_clk",
    "i2c0_clk",
    "spi0_clk",
    "disp_pix_clk",
    "disp_axi_clk",
    "pll_video",
    "gpu_core_clk",
    "pll_gpu",
    "timer_clk",
  ]);
  // 128-byte messages: (128 − 4) / 8 = 15 rates a page; host's 256: 31.
  await walk(e2e, await e2e.connect("vm1"), "vm1", 15);
  await walk(e2e, await e2e.connect("vm2"), "vm2", 15);
  await walk(e2e, await e2e.connect("host"), "host", 31);
});

Deno.test("e2e clock: DESCRIBE_RATES pages by the agent's message size (32 bytes → 3 rates)", async () => {
  await using e2e = await startE2e({
    toml: `board = ${JSON.stringify(simBoardPath())}
[[agent]]
name = "tiny"
max_msg_size = 32
transport = { type = "stream" }
protocols = ["clock"]
clocks = ["cluster0_clk", "pll_cpu0"]
`,
  });
  const c = await e2e.connect("tiny");
  // cluster0_clk: 24MHz 408MHz 816MHz | 1.2GHz 1.608GHz 1.8GHz.
  const p0 = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [0, 0]);
  assertEquals(p0.u32(), 3 | 3 << 16);
  assertEquals([p0.u64(), p0.u64(), p0.u64()], [24 * MHZ, 408 * MHZ, 816 * MHZ]);
  const p1 = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [0, 3]);
  assertEquals(p1.u32(), 3);
  assertEquals([p1.u64(), p1.u64(), p1.u64()], [1200 * MHZ, 1608 * MHZ, 1800 * MHZ]);
  const p2 = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [0, 4]);
  assertEquals(p2.u32(), 2);
  // A range still fits: 4 + 3 × 8 = 28 bytes.
  const r = await e2e.ok(c, CLOCK, Msg.DESCRIBE_RATES, [1, 0]);
  assertEquals([r.u32(), r.u64(), r.u64(), r.u64()], [0x1003, 600 * MHZ, 2400 * MHZ, 24 * MHZ]);
  // Parent ids are this agent's: pll_cpu0 is its clock 1; osc24m is hidden from it.
  const pp = await e2e.ok(c, CLOCK, Msg.POSSIBLE_PARENTS_GET, [0, 0]);
  assertEquals([pp.u32(), pp.u32()], [1, 1]);
  assertEquals((await e2e.ok(c, CLOCK, Msg.PARENT_GET, [0])).u32(), 1);
});

Deno.test("e2e clock: RATE_SET rounds down, up and to the closest; out-of-range → INVALID_PARAMETERS", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  // vm1 clock 0 = uart0_clk: 24, 48, 96 MHz.
  const set = (flags: number, hz: number) =>
    e2e.status(c, CLOCK, Msg.RATE_SET, [flags, 0, ...u64Words(hz)]);
  const rate = async () => (await e2e.ok(c, CLOCK, Msg.RATE_GET, [0])).u64();
  assertEquals(await set(0, 48 * MHZ), Status.SUCCESS);
  assertEquals(await rate(), 48 * MHZ);
  assertEquals(await set(0, 50 * MHZ), Status.SUCCESS);
  assertEquals(await rate(), 48 * MHZ, "round down by default");
  assertEquals(await set(4, 50 * MHZ), Status.SUCCESS);
  assertEquals(await rate(), 96 * MHZ, "round up");
  assertEquals(await set(8, 30 * MHZ), Status.SUCCESS);
  assertEquals(await rate(), 24 * MHZ, "closest");
  assertEquals(await set(0, 200 * MHZ), Status.INVALID_PARAMETERS);
  assertEquals(await set(0x10, 48 * MHZ), Status.INVALID_PARAMETERS, "reserved flag bit");
  // A range clock snaps to min + k·step: spi0_clk (vm1 clock 3) 1–100 MHz step 1 MHz.
  assertEquals(await e2e.status(c, CLOCK, Msg.RATE_SET, [0, 3, ...u64Words(33_300_000)]), 0);
  assertEquals((await e2e.ok(c, CLOCK, Msg.RATE_GET, [3])).u64(), 33 * MHZ);
  // 8-byte payload: the dispatcher's size check.
  assertEquals(await e2e.status(c, CLOCK, Msg.RATE_SET, [0, 0]), Status.PROTOCOL_ERROR);
  assertEquals(
    await e2e.status(c, CLOCK, Msg.RATE_SET, [0, 10, ...u64Words(24 * MHZ)]),
    Status.NOT_FOUND,
  );
});

Deno.test("e2e clock: asynchronous RATE_SET → SUCCESS reply first, then CLOCK_RATE_SET_COMPLETE with the same token", async () => {
  await using e2e = await startE2e();
  const raw = await e2e.raw("vm1");
  // pll_video (vm1 clock 6) takes 100 µs to change; uart0_clk (clock 0) none.
  for (const [token, vid, hz] of [[0x155, 6, 100 * MHZ], [0x2aa, 0, 96 * MHZ]]) {
    await raw.send(CLOCK, Msg.RATE_SET, token, [1, vid, ...u64Words(hz)]);
    const reply = p2a(await raw.next());
    assertEquals(reply, { type: 0, protocol: CLOCK, id: Msg.RATE_SET, token, words: [0] });
    const done = p2a(await raw.next());
    assertEquals(done, {
      type: 2,
      protocol: CLOCK,
      id: Msg.RATE_SET,
      token,
      words: [0, vid, hz, 0],
    });
  }
  // Bit 1: finish asynchronously without a delayed response.
  await raw.send(CLOCK, Msg.RATE_SET, 7, [3, 0, ...u64Words(48 * MHZ)]);
  assertEquals(p2a(await raw.next()).words, [0]);
  assert(await raw.idle(50), "no delayed response when bit 1 asks for none");
  await raw.send(CLOCK, Msg.RATE_GET, 8, [0]);
  assertEquals(p2a(await raw.next()).words, [0, 48 * MHZ, 0]);
});

Deno.test("e2e clock: rate notifications reach the subscribed agent by its own id, never the acting agent's id or request", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  // uart0_clk: vm1 clock 0, vm2 clock 1, host clock 0.
  await e2e.ok(vm2, CLOCK, Msg.RATE_NOTIFY, [1, 1]);
  await e2e.ok(vm2, CLOCK, Msg.RATE_CHANGE_REQUESTED_NOTIFY, [1, 1]);
  await e2e.ok(vm1, CLOCK, Msg.RATE_SET, [0, 0, ...u64Words(48 * MHZ)]);
  const changed = await vm2.waitFor((m) => p2a(m).id === 0);
  // agent_id 0 (the platform, not vm1's 1), clock_id 1 (vm2's id for uart0_clk), 48 MHz.
  assertEquals(p2a(changed!), {
    type: 3,
    protocol: CLOCK,
    id: 0,
    token: 0,
    words: [0, 1, 48 * MHZ, 0],
  });
  assertEquals(await vm2.collect(30), [], "vm1's requested rate (its vote) never reaches vm2");
  assertEquals(changed!.length, 4 + 16);
  assertEquals(await host.collect(30), [], "host did not subscribe");
  assertEquals(await vm1.collect(0), [], "vm1 did not subscribe");

  // Unsubscribed: nothing more.
  await e2e.ok(vm2, CLOCK, Msg.RATE_NOTIFY, [1, 0]);
  await e2e.ok(vm2, CLOCK, Msg.RATE_CHANGE_REQUESTED_NOTIFY, [1, 0]);
  await e2e.ok(vm1, CLOCK, Msg.RATE_SET, [0, 0, ...u64Words(96 * MHZ)]);
  assertEquals(await vm2.collect(30), []);
  assertEquals(
    await e2e.status(vm2, CLOCK, Msg.RATE_NOTIFY, [1, 2]),
    Status.INVALID_PARAMETERS,
    "reserved notify_enable bits",
  );
});

Deno.test("e2e clock: a clock two guests enabled stays on when one disconnects, turns off when both do", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const UART0 = 13;
  const hw = clockKind.hwOf(e2e.server.platform.env.hw)[UART0]!;
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  assertEquals(hw.isEnabled(UART0), false);
  // 3.0 layout (12 bytes) from vm1, the 8-byte layout from vm2: both accepted.
  await e2e.ok(vm1, CLOCK, Msg.CONFIG_SET, [0, 1, 0]);
  await e2e.ok(vm2, CLOCK, Msg.CONFIG_SET, [1, 1]);
  assertEquals(hw.isEnabled(UART0), true);
  // Each agent reads its own vote: enabled for vm1, not for host.
  assertEquals((await e2e.ok(vm1, CLOCK, Msg.CLOCK_ATTRIBUTES, [0])).u32() & 1, 1);
  assertEquals((await e2e.ok(host, CLOCK, Msg.CLOCK_ATTRIBUTES, [0])).u32() & 1, 0);
  const cfg = await e2e.ok(vm2, CLOCK, Msg.CONFIG_GET, [1, 0]);
  assertEquals([cfg.u32(), cfg.u32(), cfg.u32()], [0, 1, 0]);
  // host disabling what it never enabled changes nothing.
  await e2e.ok(host, CLOCK, Msg.CONFIG_SET, [0, 0, 0]);
  assertEquals(hw.isEnabled(UART0), true);

  await e2e.disconnect(vm1);
  assertEquals(hw.isEnabled(UART0), true, "vm2 still holds it");
  await e2e.disconnect(vm2);
  assertEquals(hw.isEnabled(UART0), false, "nobody holds it");
});

Deno.test("e2e clock: CONFIG_SET/GET extended configuration, PARENT_SET/GET and their errors", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  // spi0_clk (vm1 clock 3) has a duty cycle (type 1) of 50 at power-on.
  const duty = await e2e.ok(c, CLOCK, Msg.CONFIG_GET, [3, 1]);
  assertEquals([duty.u32(), duty.u32(), duty.u32()], [0, 0, 50]);
  // State 3 (unchanged) with type 1, value 30.
  await e2e.ok(c, CLOCK, Msg.CONFIG_SET, [3, 3 | 1 << 16, 30]);
  const after = await e2e.ok(c, CLOCK, Msg.CONFIG_GET, [3, 1]);
  assertEquals([after.u32(), after.u32(), after.u32()], [0, 0, 30]);
  assertEquals(await e2e.status(c, CLOCK, Msg.CONFIG_GET, [3, 2]), Status.NOT_SUPPORTED);
  assertEquals(await e2e.status(c, CLOCK, Msg.CONFIG_GET, [3, 0x100]), Status.INVALID_PARAMETERS);
  assertEquals(await e2e.status(c, CLOCK, Msg.CONFIG_SET, [3, 2, 0]), Status.INVALID_PARAMETERS);

  // gpu_core_clk (clock 7) muxes pll_gpu (vm1's clock 8) and pll_periph (hidden from vm1).
  assertEquals((await e2e.ok(c, CLOCK, Msg.PARENT_GET, [7])).u32(), 8);
  await e2e.ok(c, CLOCK, Msg.PARENT_SET, [7, 8]);
  assertEquals(await e2e.status(c, CLOCK, Msg.PARENT_SET, [7, 0]), Status.INVALID_PARAMETERS);
  assertEquals(await e2e.status(c, CLOCK, Msg.PARENT_SET, [7, 99]), Status.INVALID_PARAMETERS);
  assertEquals(await e2e.status(c, CLOCK, Msg.PARENT_GET, [0]), Status.NOT_SUPPORTED);
});
