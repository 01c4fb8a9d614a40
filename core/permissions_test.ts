import { clockKind } from "../plugins/clock/kind.ts";
import { kindNamed } from "./kind.ts";
import { assert, assertEquals } from "./_assert_test.ts";
import { Grants, IdMap } from "./grants.ts";
import {
  resetAgentConfiguration,
  setDeviceAccess,
  setProtocolAccess,
  setResourceAccess,
} from "./permissions.ts";
import { type AnyProtocol, defineProtocol, Right } from "./protocol.ts";
import type { ResourceKind } from "./board.ts";
import { Status } from "./status.ts";
import { baseProtocol } from "../plugins/base/mod.ts";
import { fixture } from "../tests/harness.ts";
import { ctxRuntime } from "./session.ts";
import { board, standIn } from "../tests/vectors/base/fixture.ts";

/** What the recording plugin saw: hook name, agent, and details. */
type Seen = [string, string, ...unknown[]];

/**
 * A plugin that records open (with the agent's map as it then is), close and onRevoke (with
 * the virtual id the map still gives).
 */
function recorder(seen: Seen[], id = 0x14, kind: ResourceKind = "clock"): AnyProtocol {
  return defineProtocol<{ n: number }>({
    api: 1,
    id,
    name: `recorder-${kind}`,
    versions: [0x10000],
    kinds: [kindNamed(kind)!],
    commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
    open: (
      ctx,
    ) => (seen.push(["open", ctx.agent.name, [...ctx.ids(kind).v2p]]), { n: seen.length }),
    close: (ctx) => void seen.push(["close", ctx.agent.name, ctx.state.n]),
    onRevoke: (ctx, k, phys) =>
      void seen.push(["revoke", ctx.agent.name, k, phys, ctx.ids(k).toVirtual(phys)]),
  });
}

async function setup(seen: Seen[] = []) {
  const fx = await fixture({
    board: board(),
    protocols: [baseProtocol, recorder(seen), standIn(0x16, "reset"), standIn(0x12)],
    agents: [
      { name: "hyp", trusted: true, protocols: { 0x14: undefined, 0x16: undefined } },
      {
        name: "vm1",
        protocols: { 0x14: undefined, 0x16: undefined },
        grants: { clock: [0, 1], reset: [0] },
        rights: { clock: [Right.READ, Right.READ | Right.WRITE] },
        bounds: { clock: [undefined, { max: 100_000_000 }] },
      },
    ],
  });
  const vm1 = fx.platform.agent("vm1")!;
  seen.length = 0;
  return { fx, vm1, g: vm1.grants };
}

Deno.test("granting a device appends its resources as new virtual ids → SUCCESS", async () => {
  const { fx, g } = await setup();
  assertEquals(setDeviceAccess(fx.platform, fx.platform.agent("vm1")!, 2, true), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [0, 1, 3, 4]);
  assertEquals(g.maps.clock.rights.slice(2), [Right.READ | Right.WRITE, Right.READ | Right.WRITE]);
  assertEquals(g.maps.reset.v2p, [0, 2]);
  assert(g.devices.has(2));
});

// Until the last review this test expected clock 0 to come out with full rights: granting the
// device widened what the deployment had made read-only. It now keeps the deployment's rights.
Deno.test("granting a device an agent partly sees keeps existing ids and the deployment's read-only right", async () => {
  const { fx, vm1, g } = await setup();
  setDeviceAccess(fx.platform.env, vm1, 0, true);
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals(g.maps.clock.rights, [Right.READ, Right.READ | Right.WRITE]);
  assertEquals(g.maps.reset.v2p, [0]);
});

Deno.test("a device granted back → the deployment's rights and bounds, not full rights", async () => {
  const { fx, vm1, g } = await setup();
  setDeviceAccess(fx.platform, vm1, 0, false);
  assertEquals(setDeviceAccess(fx.platform, vm1, 0, true), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [-1, -1, 0, 1]);
  assertEquals(g.maps.clock.rights.slice(2), [Right.READ, Right.READ | Right.WRITE]);
  assertEquals(g.maps.clock.bounds.slice(2), [undefined, { max: 100_000_000 }]);
  // Device 2's clocks 3 and 4 the deployment never gave vm1: full rights, no bounds.
  setDeviceAccess(fx.platform, vm1, 2, true);
  assertEquals(g.maps.clock.rights.slice(4), [Right.READ | Right.WRITE, Right.READ | Right.WRITE]);
  assertEquals(g.maps.clock.bounds.slice(4), [undefined, undefined]);
});

Deno.test("a single resource granted back → full (or the given) rights, the deployment's bounds", async () => {
  const { fx, vm1, g } = await setup();
  setResourceAccess(fx.platform, vm1, "clock", 0, false);
  setResourceAccess(fx.platform, vm1, "clock", 1, false);
  // An explicit grant of one resource (PINCTRL_SET_PERMISSIONS, vscmi ctl grant) says which
  // rights: clock 0, read-only in the deployment, comes back writable.
  assertEquals(setResourceAccess(fx.platform, vm1, "clock", 0, true), Status.SUCCESS);
  assertEquals(g.maps.clock.rights[2], Right.READ | Right.WRITE);
  setResourceAccess(fx.platform, vm1, "clock", 1, true, { rights: Right.READ });
  assertEquals([g.maps.clock.rights[3], g.maps.clock.bounds[3]], [
    Right.READ,
    { max: 100_000_000 },
  ]);
  setResourceAccess(fx.platform, vm1, "clock", 5, true);
  assertEquals([g.maps.clock.rights[4], g.maps.clock.bounds[4]], [
    Right.READ | Right.WRITE,
    undefined,
  ]);
});

Deno.test("unknown device → NOT_FOUND and nothing changes", async () => {
  const { fx, vm1, g } = await setup();
  assertEquals(setDeviceAccess(fx.platform, vm1, 3, true), Status.NOT_FOUND);
  assertEquals(setDeviceAccess(fx.platform, vm1, 3, false), Status.NOT_FOUND);
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals(g.devices.size, 0);
});

Deno.test("denying a device leaves holes and calls onRevoke while still mapped", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  setDeviceAccess(fx.platform, vm1, 2, true);
  assertEquals(setDeviceAccess(fx.platform, vm1, 0, false), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [-1, -1, 3, 4]);
  assertEquals(g.maps.clock.toVirtual(0), -1);
  assertEquals(g.maps.reset.v2p, [-1, 2]);
  // Only the clock plugin has the hook; it saw each clock with its virtual id.
  assertEquals(seen, [["revoke", "vm1", "clock", 0, 0], ["revoke", "vm1", "clock", 1, 1]]);
});

Deno.test("a resource still reached through another granted device stays visible", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  setDeviceAccess(fx.platform, vm1, 0, true);
  setDeviceAccess(fx.platform, vm1, 7, true); // bus: clock 1
  setDeviceAccess(fx.platform, vm1, 0, false);
  assertEquals(g.maps.clock.v2p, [-1, 1]);
  assertEquals(seen, [["revoke", "vm1", "clock", 0, 0]]);
  setDeviceAccess(fx.platform, vm1, 7, false);
  assertEquals(g.maps.clock.v2p, [-1, -1]);
});

Deno.test("denying a device the agent does not hold → SUCCESS, no hook", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  assertEquals(setDeviceAccess(fx.platform, vm1, 2, false), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals(seen, []);
});

Deno.test("a re-granted resource gets a new virtual id; the hole is never reused", async () => {
  const { fx, vm1, g } = await setup();
  setDeviceAccess(fx.platform, vm1, 0, false);
  setDeviceAccess(fx.platform, vm1, 0, true);
  assertEquals(g.maps.clock.v2p, [-1, -1, 0, 1]);
  assertEquals(g.maps.reset.v2p, [-1, 0]);
});

Deno.test("onRevoke runs for every open session of the agent, not for others", async () => {
  const seen: Seen[] = [];
  const { fx, vm1 } = await setup(seen);
  const second = fx.platform.openSession(vm1, { p2a: false });
  seen.length = 0;
  setDeviceAccess(fx.platform, vm1, 1, true);
  setDeviceAccess(fx.platform, vm1, 1, false);
  assertEquals(seen, [["revoke", "vm1", "clock", 2, 2], ["revoke", "vm1", "clock", 2, 2]]);
  fx.platform.closeSession(second);
});

Deno.test("a throwing onRevoke is logged and the resource still goes", async () => {
  const bad = defineProtocol({
    api: 1,
    id: 0x14,
    name: "bad",
    versions: [0x10000],
    kinds: [clockKind],
    commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} } },
    onRevoke: () => {
      throw new Error("boom");
    },
  });
  const fx = await fixture({
    board: board(),
    protocols: [baseProtocol, bad],
    agents: [{ name: "vm1", protocols: { 0x14: undefined }, grants: { clock: [0] } }],
  });
  const vm1 = fx.platform.agent("vm1")!;
  assertEquals(setDeviceAccess(fx.platform, vm1, 0, false), Status.SUCCESS);
  assertEquals(vm1.grants.maps.clock.v2p, [-1]);
  assert(
    fx.logs.some((l) => l.startsWith("error: bad: onRevoke of clock 0") && l.includes("boom")),
  );
});

Deno.test("denying a protocol on a device hides its kind only; allowing shows it", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  setDeviceAccess(fx.platform, vm1, 2, true); // clocks 3, 4 → v2, v3; reset 2 → v1
  assertEquals(setProtocolAccess(fx.platform, vm1, 2, 0x14, false), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [0, 1, -1, -1]);
  assertEquals(g.maps.reset.v2p, [0, 2]);
  assertEquals(seen.map((s) => s[3]), [3, 4]);
  assertEquals(setProtocolAccess(fx.platform, vm1, 2, 0x14, true), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [0, 1, -1, -1, 3, 4]);
  assertEquals(g.deniedProtocols.size, 0);
});

Deno.test("a protocol denial set before the device is granted applies on grant", async () => {
  const { fx, vm1, g } = await setup();
  assertEquals(setProtocolAccess(fx.platform, vm1, 1, 0x16, false), Status.SUCCESS);
  setDeviceAccess(fx.platform, vm1, 1, true);
  assertEquals(g.maps.clock.v2p, [0, 1, 2]);
  assertEquals(g.maps.reset.v2p, [0]);
  // Allowing it on a granted device shows the reset domain.
  setProtocolAccess(fx.platform, vm1, 1, 0x16, true);
  assertEquals(g.maps.reset.v2p, [0, 1]);
});

Deno.test("allowing a protocol on a device not granted shows nothing", async () => {
  const { fx, vm1, g } = await setup();
  setProtocolAccess(fx.platform, vm1, 2, 0x14, false);
  assertEquals(setProtocolAccess(fx.platform, vm1, 2, 0x14, true), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals(g.deniedProtocols.size, 0);
});

Deno.test("a protocol without resource kinds can be denied and hides nothing", async () => {
  const { fx, vm1, g } = await setup();
  setDeviceAccess(fx.platform, vm1, 0, true);
  assertEquals(setProtocolAccess(fx.platform, vm1, 0, 0x12, false), Status.SUCCESS);
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals([...g.deniedProtocols.get(0)!], [0x12]);
});

Deno.test("protocol access: unknown device, unknown protocol or Base → NOT_FOUND", async () => {
  const { fx, vm1, g } = await setup();
  assertEquals(setProtocolAccess(fx.platform, vm1, 5, 0x14, false), Status.NOT_FOUND);
  assertEquals(setProtocolAccess(fx.platform, vm1, 0, 0x15, false), Status.NOT_FOUND);
  assertEquals(setProtocolAccess(fx.platform, vm1, 0, 0x10, false), Status.NOT_FOUND);
  assertEquals(g.deniedProtocols.size, 0);
  assertEquals(g.maps.clock.v2p, [0, 1]);
});

Deno.test("reset without permissions: contexts closed and re-opened, grants kept", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  setDeviceAccess(fx.platform, vm1, 2, true);
  const ctx = fx.session("vm1").ctxs[0x14]!;
  const before = (ctx.state as { n: number }).n;
  ctx.version = 0x10000;
  resetAgentConfiguration(fx.platform, vm1, false);
  assertEquals(seen, [["close", "vm1", before], ["open", "vm1", [0, 1, 3, 4]]]);
  assertEquals((ctx.state as { n: number }).n, 2);
  assertEquals(ctx.version, 0x10000);
  assert(ctxRuntime(ctx).contexts.has(ctx));
  assertEquals(g.maps.clock.v2p, [0, 1, 3, 4]);
});

Deno.test("reset with permissions: grants revert between close and open", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  const clockMap = g.maps.clock;
  setDeviceAccess(fx.platform, vm1, 2, true);
  setDeviceAccess(fx.platform, vm1, 0, false);
  setProtocolAccess(fx.platform, vm1, 1, 0x14, false);
  seen.length = 0;
  resetAgentConfiguration(fx.platform, vm1, true);
  // Closed first, then opened on the reverted grants.
  assertEquals(seen.map((s) => s[0]), ["close", "open"]);
  assertEquals(seen[1][2], [0, 1]);
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals(g.maps.clock.rights, [Right.READ, Right.READ | Right.WRITE]);
  assertEquals(g.maps.clock.toVirtual(1), 1);
  assertEquals(g.maps.clock.toVirtual(3), -1);
  assertEquals(g.maps.reset.v2p, [0]);
  assertEquals(g.devices.size, 0);
  assertEquals(g.deniedProtocols.size, 0);
  assert(g.maps.clock === clockMap);
  // The snapshot itself is untouched by later changes.
  setDeviceAccess(fx.platform, vm1, 2, true);
  assertEquals(fx.platform.defaultGrants(vm1).maps.clock.v2p, [0, 1]);
});

Deno.test("reset touches only the named agent's sessions", async () => {
  const seen: Seen[] = [];
  const { fx, vm1 } = await setup(seen);
  resetAgentConfiguration(fx.platform, vm1, true);
  assert(seen.every((s) => s[1] === "vm1"));
  assertEquals(seen.length, 2);
});

Deno.test("reset of an agent without an open session only reverts its grants", async () => {
  const seen: Seen[] = [];
  const { fx, vm1, g } = await setup(seen);
  fx.platform.closeSession(fx.session("vm1"));
  seen.length = 0;
  setDeviceAccess(fx.platform, vm1, 2, true);
  resetAgentConfiguration(fx.platform, vm1, true);
  assertEquals(seen, []);
  assertEquals(g.maps.clock.v2p, [0, 1]);
});

Deno.test("Grants.clone is deep and IdMap.copyFrom rebuilds the reverse map", () => {
  const g = new Grants();
  g.protocols.set(0x14, { pin: 0x10000 });
  g.devices.add(3);
  g.deniedProtocols.set(3, new Set([0x16]));
  g.maps.clock.grant(7, Right.READ, 2, "seven");
  const c = g.clone();
  g.protocols.get(0x14)!.pin = 0x20000;
  g.deniedProtocols.get(3)!.add(0x14);
  g.maps.clock.revoke(7);
  assertEquals(c.protocols.get(0x14), { pin: 0x10000 });
  assertEquals([...c.deniedProtocols.get(3)!], [0x16]);
  assertEquals(c.maps.clock.v2p, [-1, -1, 7]);
  assertEquals(c.maps.clock.names[2], "seven");
  assertEquals(c.maps.clock.toVirtual(7), 2);
  const m = new IdMap("reset");
  let threw = false;
  try {
    m.copyFrom(c.maps.clock);
  } catch (e) {
    threw = e instanceof TypeError;
  }
  assert(threw);
});
