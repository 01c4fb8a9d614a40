/**
 * Hostile zones on the file bridge, against `vscmi serve` of the test deployment. Zone 1 is
 * probed and then left alone; zone 2 (and accesses carrying zone ids nobody was given) do
 * their worst: random register accesses of every width and alignment, in zone 2's window and
 * in zone 1's; ring and buffer addresses outside zone 2's RAM. Every trapped access must be
 * answered (a vCPU waits for its cfg_flags with no timeout), vscmi must keep serving zone 1
 * as before, and no byte of the `mem` file outside zone 2's RAM may change: the guard
 * stretches (filled with a pattern first) and zone 1's RAM are hashed before and after.
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { settled } from "../../core/_wait_test.ts";
import { bridgeRig, GUARDS, ZONE_RAM_GPA, ZONES } from "./_deploy.ts";
import type { El2 } from "./_el2.ts";
import { Guest, hostileQueue, MAGIC, Reg, Status } from "./_guest.ts";
import { ZoneRam } from "./_zone.ts";

const [Z1, Z2] = ZONES;
const DRIVER_OK_STATUS = Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK |
  Status.DRIVER_OK;
/** Zone ids other than zone 1's: zone 2's, and ids no agent has. */
const FOREIGN_ZONES = [Z2.zone, 0, 3, 7, 0xffff, 0xffff_ffff];

/** SHA-256 of every byte of `mem` outside zone 2's RAM. */
async function outsideZone2(el2: El2): Promise<string> {
  const parts = [...GUARDS, [Z1.region.zone0Ipa, Z1.region.zone0Ipa + Z1.region.size]];
  const h: string[] = [];
  for (const [a, b] of parts) {
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", el2.mem.slice(a, b)));
    h.push(Array.from(d, (x) => x.toString(16).padStart(2, "0")).join(""));
  }
  return h.join(":");
}

/**
 * Zone 1's device still answers and was not reset. Registers only: a command would write zone
 * 1's RAM, which is hashed; commands are checked once at the end.
 */
async function zone1Answers(g1: Guest): Promise<void> {
  assertEquals(await g1.read(Reg.STATUS), DRIVER_OK_STATUS);
  assertEquals(await g1.read(Reg.MAGIC), MAGIC);
  g1.check();
}

Deno.test("hvisor hostile zones: nothing outside a zone's RAM is written, zone 1 keeps being served", async (t) => {
  await using rig = await bridgeRig();
  const { el2 } = rig;
  // A pattern in the guards, so that zeros written there would show too.
  for (const [a, b] of GUARDS) for (let i = a; i < b; i++) el2.mem[i] = (i * 131 + 7) & 0xff;
  await rig.serve();
  const g1 = new Guest(el2, new ZoneRam(el2.mem, Z1.region), Z1);
  const g2 = new Guest(el2, new ZoneRam(el2.mem, Z2.region), Z2);
  await g1.probe();
  assertEquals((await g1.send(0x10, 0x0)).status, 0);
  await zone1Answers(g1);
  const hash = await outsideZone2(el2);

  await t.step("descriptor tables, rings and buffers outside zone 2's RAM", async () => {
    const END = ZONE_RAM_GPA + Z2.region.size;
    const inside = ZONE_RAM_GPA + 0x8000;
    const W = 2; // device-writable
    const cases = [
      { ring: { desc: END, avail: inside + 0x1000, used: inside + 0x2000 }, chains: [] },
      { ring: { desc: END - 0x40, avail: inside + 0x1000, used: inside + 0x2000 }, chains: [] },
      { ring: { desc: inside, avail: inside + 0x1000, used: END - 4 }, chains: [] },
      { ring: { desc: inside, avail: inside + 0x1000, used: 0x1000 }, chains: [] },
      {
        ring: { desc: inside, avail: inside + 0x1000, used: inside + 0x2000 },
        chains: [
          { addr: ZONE_RAM_GPA - 0x10_0000, len: 64, flags: W }, // where zone 1's RAM would be untranslated
          { addr: END - 8, len: 64, flags: W }, // across the end
          { addr: ZONE_RAM_GPA - 64, len: 128, flags: W }, // across the start
          { addr: 2 ** 52, len: 64, flags: W },
          { addr: Z1.region.zone0Ipa, len: 64, flags: W }, // zone 1's RAM by its mem offset
        ],
      },
    ];
    for (const c of cases) {
      // With an avail ring in RAM, every chain is offered even when its table is not.
      const chains = c.chains.length ? c.chains : [{ addr: inside + 0x3000, len: 64, flags: W }];
      await hostileQueue(g2, c.ring, chains);
      await zone1Answers(g1);
      assertEquals(await outsideZone2(el2), hash, JSON.stringify(c.ring));
    }
  });

  await t.step("random register accesses of every width, wrong zone ids among them", async () => {
    // Mostly zone 2 at its own window; now and then a zone id with no device at the window
    // (vscmi holds such an access for ORPHAN_MS, then answers 0), at zone 1's or zone 2's.
    const target = fc.oneof(
      { weight: 6, arbitrary: fc.constant({ zone: Z2.zone, base: Z2.base }) },
      {
        weight: 1,
        arbitrary: fc.record({
          zone: fc.constantFrom(...FOREIGN_ZONES),
          base: fc.constantFrom(Z1.base, Z2.base),
        }).filter((x) => !(x.zone === Z2.zone && x.base === Z2.base)),
      },
    );
    const access = fc.record({
      target,
      offset: fc.integer({ min: 0, max: 0x1ff }),
      size: fc.constantFrom(1, 2, 4, 8),
      write: fc.boolean(),
      value: fc.integer({ min: 0, max: 0xffff_ffff }),
      cpu: fc.integer({ min: 10, max: 31 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(access, { minLength: 1, maxLength: 20 }), async (accs) => {
        // Every access is answered: none leaves its vCPU spinning.
        await Promise.all(
          accs.map((a) =>
            el2.access(a.cpu, a.target.zone, a.target.base + a.offset, a.write, a.value, a.size)
          ),
        );
        await zone1Answers(g1);
        assert(el2.strayBytes === 0);
        assertEquals(await outsideZone2(el2), hash);
      }),
      { numRuns: 10 },
    );
  });

  await t.step(
    "a zone naming no agent, at zone 1's window, reads 0 and resets nothing",
    async () => {
      const answers = await Promise.all([
        el2.access(12, 7, Z1.base + Reg.MAGIC, false),
        el2.access(13, 7, Z1.base + Reg.STATUS, true, 0),
        el2.access(14, Z2.zone, Z1.base + Reg.STATUS, true, 0),
      ]);
      assertEquals(answers, [0, 0, 0]);
      await zone1Answers(g1);
    },
  );
  assertEquals(await outsideZone2(el2), hash);
  assert(!await settled(rig.servers[0].status), "vscmi is still running");
  const r = await g1.send(0x10, 0x0);
  assertEquals([r.status, r.len], [0, 12], "zone 1 is served");
});
