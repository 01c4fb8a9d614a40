/**
 * The bridge rings from hvisor's side, against `vscmi serve` of the test deployment: req_list
 * filled to the brim before vscmi starts (31 accesses of 31 vCPUs, the ring full), indexes
 * wrapping at 32 many times over in both rings, wake-ups with nothing queued, and several
 * vCPUs of two zones trapping at once. The simulator (`_el2.ts`) is in this process; vscmi is
 * a child process.
 * @module
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { until } from "../../core/_wait_test.ts";
import { Layout } from "./_bridge.ts";
import { bridgeRig, VENDOR, ZONES } from "./_deploy.ts";
import { Guest, MAGIC, Reg } from "./_guest.ts";
import { ZoneRam } from "./_zone.ts";

const [Z1, Z2] = ZONES;
/** What each identification register reads. */
const IDENT: [number, number][] = [
  [Reg.MAGIC, MAGIC],
  [Reg.VERSION, 2],
  [Reg.DEVICE_ID, 32],
  [Reg.VENDOR_ID, VENDOR],
];

Deno.test("hvisor bridge rings: full ring, wrap-around, spurious wake-ups, several vCPUs and zones", async (t) => {
  await using rig = await bridgeRig();
  const { el2 } = rig;
  const b = el2.bridge;

  await t.step(
    "a full req_list queued before vscmi starts is answered, each vCPU its own value",
    async () => {
      const reads: Promise<number>[] = [];
      for (let cpu = 0; cpu < Layout.SLOTS - 1; cpu++) {
        reads.push(el2.access(cpu, Z1.zone, Z1.base + IDENT[cpu % 4][0], false));
      }
      await until(() => b.waiting === Layout.SLOTS - 1, "31 queued accesses");
      assert(b.full, "31 entries fill the 32-slot ring");
      assert(
        !b.push({
          cpu: 31,
          zone: 1,
          address: Z1.base,
          size: 4,
          value: 0,
          write: false,
          notify: false,
        }),
      );
      await rig.serve();
      const got = await Promise.all(reads);
      assertEquals(got, got.map((_, cpu) => IDENT[cpu % 4][1]));
      assertEquals(b.reqFront, b.reqRear);
    },
  );

  await t.step(
    "req_list indexes wrap at 32: 100 accesses of one vCPU, each answered once",
    async () => {
      const start = b.reqRear;
      for (let i = 0; i < 100; i++) {
        const [reg, want] = IDENT[i % 4];
        assertEquals(await el2.access(3, Z1.zone, Z1.base + reg, false), want, `access ${i}`);
      }
      assertEquals(b.reqRear, (start + 100) % Layout.SLOTS);
      assertEquals(b.reqFront, b.reqRear);
    },
  );

  await t.step("res_list indexes wrap at 32: 40 commands, each one interrupt", async () => {
    const g = new Guest(el2, new ZoneRam(el2.mem, Z1.region), Z1);
    await g.probe();
    const before = el2.interrupts.length;
    for (let i = 0; i < 40; i++) {
      const r = await g.send(0x10, 0x0);
      assertEquals(r.status, 0);
      assertEquals(r.len, 12, "header, status, version");
    }
    await g.handled();
    g.check();
    const irqs = el2.interrupts.slice(before);
    assert(irqs.length >= 40, `${irqs.length} interrupts for 40 commands`);
    assert(irqs.every((i) => i.zone === Z1.zone && i.irq === Z1.irq), JSON.stringify(irqs));
    assertEquals(b.resFront, b.resRear);
    assertEquals(el2.strayBytes, 0);
  });

  await t.step("res_list full while hvisor is busy: vscmi holds the rest, loses none", async () => {
    // Without EVENT_IDX each used buffer interrupts; gpu_rst's resets (2 ms) block, so each
    // completes, and interrupts, on its own.
    const g = new Guest(el2, new ZoneRam(el2.mem, Z1.region), { ...Z1, refuse: 1n << 29n });
    await g.probe();
    const gpu = await g.resetDomain("gpu_rst");
    const taken = el2.interrupts.length;
    const finishes = el2.finishes;
    el2.holdResults = true;
    const N = 40;
    const replies = g.sendAll(
      Array.from({ length: N }, () => ({ protocol: 0x16, message: 0x4, params: [gpu, 1, 0] })),
    );
    // Full, and every FINISH_REQ of its entries read; no more can come while it stays full.
    await until(() => b.resFull && el2.finishes - finishes >= Layout.SLOTS - 1, "a full res_list");
    assertEquals(el2.finishes - finishes, Layout.SLOTS - 1, "one FINISH_REQ per entry pushed");
    el2.holdResults = false;
    el2.takeResults();
    assertEquals((await replies).map((r) => r.status), Array(N).fill(0));
    // One interrupt per completion, none lost while the ring was full.
    await until(
      () => el2.finishes - finishes === N && el2.interrupts.length - taken === N,
      `${N} interrupts (have ${el2.interrupts.length - taken}, FINISH_REQ ${
        el2.finishes - finishes
      })`,
    );
    await g.handled();
    g.check();
  });

  await t.step(
    "wake-ups with nothing queued change nothing; the next access is answered",
    async () => {
      const finishes = el2.finishes;
      const interrupts = el2.interrupts.length;
      const flags = Array.from({ length: Layout.SLOTS }, (_, c) => b.flag(c));
      for (let i = 0; i < 10; i++) await el2.kick(true);
      // The next access is answered after the spurious ones, so they have all been read.
      assertEquals(await el2.access(4, Z1.zone, Z1.base + Reg.MAGIC, false), MAGIC);
      assertEquals(el2.finishes, finishes, "no FINISH_REQ without a completion");
      assertEquals(el2.interrupts.length, interrupts);
      for (let c = 0; c < Layout.SLOTS; c++) {
        if (c !== 4) assertEquals(b.flag(c), flags[c], `cfg_flags[${c}] untouched`);
      }
      assertEquals(b.flag(4), flags[4] + 1n, "one answer, one increment");
    },
  );

  await t.step(
    "vCPUs of two zones trap at once: probes, commands and register reads interleave",
    async () => {
      const g1 = new Guest(el2, new ZoneRam(el2.mem, Z1.region), { ...Z1, cpu: 5 });
      const g2 = new Guest(el2, new ZoneRam(el2.mem, Z2.region), Z2);
      await Promise.all([g1.probe(), g2.probe()]);
      const readers = [6, 7, 8, 9].map(async (cpu) => {
        const zone = cpu % 2 ? Z2 : Z1;
        for (let i = 0; i < 10; i++) {
          const [reg, want] = IDENT[(cpu + i) % 4];
          assertEquals(await el2.access(cpu, zone.zone, zone.base + reg, false), want);
        }
      });
      const talk = (g: Guest) =>
        Promise.all(Array.from({ length: 10 }, () => g.send(0x14, 0x1))).then((rs) =>
          rs.map((r) => r.status)
        );
      const [s1, s2] = await Promise.all([talk(g1), talk(g2), ...readers]);
      assertEquals(s1, Array(10).fill(0));
      assertEquals(s2, Array(10).fill(0));
      // Each zone's Base PROTOCOL_ATTRIBUTES counts its own protocols: 9 and 3.
      const [c1, c2] = await Promise.all([g1.send(0x10, 0x1), g2.send(0x10, 0x1)]);
      assertEquals([c1.words[0] & 0xff, c2.words[0] & 0xff], [9, 3]);
      await Promise.all([g1.handled(), g2.handled()]);
      g1.check();
      g2.check();
      const zones = new Set(el2.interrupts.map((i) => `${i.zone}:${i.irq}`));
      assertEquals([...zones].sort(), [`${Z1.zone}:${Z1.irq}`, `${Z2.zone}:${Z2.irq}`]);
    },
  );
});
