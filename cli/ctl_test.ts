import { assert, assertEquals, assertThrows } from "../core/_assert_test.ts";
import type { AgentInfo, ResourceInfo } from "../server/control/inspect.ts";
import { UsageError } from "./args.ts";
import { buildRequest as build, formatAgents, formatGrant, formatResource } from "./ctl.ts";
import { kindsOf } from "../core/kind.ts";
import { PROTOCOLS } from "../builtins.ts";
import type { Values } from "./args.ts";

const KINDS = kindsOf(PROTOCOLS).map((k) => k.name);
const buildRequest = (p: string[], v: Values) => build(p, v, KINDS);

Deno.test("ctl grant with --virtual and --read-only → one grant request", () => {
  assertEquals(
    buildRequest(["grant", "vm2", "clock", "pll_video"], { virtual: "9", "read-only": true }),
    {
      cmd: "grant",
      agent: "vm2",
      kind: "clock",
      resource: "pll_video",
      virtual: 9,
      readOnly: true,
    },
  );
  assertEquals(buildRequest(["revoke", "2", "device", "usb"], {}), {
    cmd: "revoke",
    agent: "2",
    kind: "device",
    resource: "usb",
  });
  assertEquals(buildRequest(["reset-agent", "vm1"], { permissions: true }), {
    cmd: "reset-agent",
    agent: "vm1",
    permissions: true,
  });
});

Deno.test("ctl add-agent FILE → the file's absolute path goes to the server", () => {
  const r = buildRequest(["add-agent", "vm3.toml"], {});
  assertEquals(r, { cmd: "add-agent", file: `${Deno.cwd()}/vm3.toml` });
});

Deno.test("ctl usage mistakes → UsageError naming the mistake", () => {
  const cases: [string[], Record<string, string | boolean>, string][] = [
    [[], {}, "Say which command"],
    [["frob"], {}, 'Unknown command "frob"'],
    [["agents", "extra"], {}, "takes no arguments"],
    [["grant", "vm2", "gizmo", "x"], {}, 'Unknown kind "gizmo"'],
    [["grant", "vm2", "clock"], {}, "takes AGENT KIND NAME|ID"],
    [["grant", "vm2", "device", "usb"], { virtual: "3" }, "granted whole"],
    [["grant", "vm2", "clock", "c"], { virtual: "-1" }, "--virtual must be"],
    [["revoke", "vm2", "clock", "c"], { "read-only": true }, "--read-only applies to grant"],
    [["agents"], { permissions: true }, "--permissions applies to reset-agent"],
    [["resource", "device", "usb"], {}, "not device"],
  ];
  for (const [pos, values, text] of cases) {
    const e = assertThrows(() => buildRequest(pos, values), UsageError);
    assert(e.message.includes(text), `${pos.join(" ")}: ${e.message}`);
  }
});

const AGENT: AgentInfo = {
  id: 2,
  name: "vm2",
  trusted: false,
  transport: { type: "stream", address: "unix:/r/vm2.sock" },
  sessions: 0,
  grace: { closeS: 5, restartS: 60 },
  protocols: [{ id: 0x14, name: "clock", version: "3.0", negotiated: [] }],
  devices: ["uart1"],
  resources: { clock: 2 },
  votes: [
    { store: "clock.enable", kind: "clock", id: 14, value: true, name: "uart1_clk" },
    { store: "clock.rate", kind: "clock", id: 14, value: 115200, name: "uart1_clk" },
  ],
};

Deno.test("agents text → an aligned table, then each agent's details", () => {
  assertEquals(
    formatAgents([AGENT]),
    [
      "ID  AGENT  TRUSTED  SESSION  TRANSPORT",
      "2   vm2    no       closed   unix:/r/vm2.sock",
      "",
      "vm2 (id 2)",
      "  protocols  clock 3.0",
      "  devices    uart1",
      "  resources  clock 2",
      "  votes      clock.enable uart1_clk; clock.rate uart1_clk=115200 (kept 5 s after a close)",
    ].join("\n"),
  );
});

Deno.test("resource text → policy, hardware, each store and who sees it", () => {
  const r: ResourceInfo = {
    kind: "clock",
    id: 12,
    name: "apb_clk",
    devices: ["uart0", "uart1"],
    policy: "max",
    kept: false,
    hardware: { enabled: true, rate: 100000000 },
    stores: [
      {
        store: "clock.enable",
        policy: "refcount",
        effective: true,
        heldFor: [14, 15],
        votes: [{ agent: "vm1", value: true }],
      },
      { store: "clock.rate", policy: "max", votes: [] },
    ],
    visibility: [
      { agent: "vm1", agentId: 1, virtual: 1, rights: "rw" },
      { agent: "vm2", agentId: 2, virtual: 4, name: "bus", rights: "r" },
    ],
  };
  assertEquals(
    formatResource(r),
    [
      'clock 12 "apb_clk"',
      "  devices       uart0, uart1",
      "  policy        max",
      "  kept          no",
      "  hardware      enabled true, rate 100000000",
      "  clock.enable  refcount; effective on; held for clock 14, 15; votes vm1 on",
      "  clock.rate    max; effective -; votes none",
      '  seen by       vm1 as 1, vm2 as 4 "bus" (read-only)',
    ].join("\n"),
  );
});

Deno.test("grant text → one line per change, released votes, warnings", () => {
  assertEquals(
    formatGrant("revoke", {
      agent: "vm2",
      changes: [
        { change: "hidden", kind: "clock", id: 17, name: "usb_ref_clk", virtual: 2, rights: "-" },
      ],
      released: [{
        store: "clock.enable",
        kind: "clock",
        id: 17,
        value: true,
        name: "usb_ref_clk",
      }],
      warnings: [],
    }),
    'vm2: revoke:\n  - clock "usb_ref_clk" (17), was 2\n  released votes: clock.enable usb_ref_clk',
  );
  assertEquals(
    formatGrant("grant", { agent: "vm1", changes: [], released: [], warnings: ["w"] }),
    "vm1: grant: nothing changed\nwarning: w",
  );
});
