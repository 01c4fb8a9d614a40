/**
 * The shmem example (`examples/shmem/vscmi.toml`) end to end: a server with the file binding,
 * and for each of its three agents a Linux-like agent in its own process
 * (`tests/shmem/_linux_client.ts`) that drives `AGENT.shm`, `AGENT.doorbell` and `AGENT.irq` as a
 * VMM shim would and probes every protocol as Linux does at boot. The SMC agents are offered
 * no notifications and no asynchronous commands; the mailbox agent receives a notification
 * and a delayed response on its P2A channel.
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { headerMessageId, headerProtocol, headerType, MsgType } from "../../core/header.ts";
import { Status } from "../../core/status.ts";
import { startE2e } from "../e2e/_server.ts";

const MANIFEST = new URL("../../examples/shmem/vscmi.toml", import.meta.url).pathname;
const CLIENT = new URL("./_linux_client.ts", import.meta.url).pathname;

interface Report {
  agent: string;
  vendor: string;
  protocols: number[];
  numAgents: number;
  perProtocol: Record<string, {
    version: number;
    attributes: number[];
    notify: Record<string, number>;
    resources: Record<string, number[]>;
    flags: number[];
  }>;
  p2a: string[];
  async: { rateSetStatus: number };
}

async function probe(runDir: string, args: string[]): Promise<Report> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIENT, runDir, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, `client ${args[0]} failed: ${err}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** The header word of a P2A message given as hex. */
const headerOf = (hex: string) =>
  new DataView(new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16))).buffer)
    .getUint32(0, true);

Deno.test("three shmem agents, each in its own process through the file binding, walk every protocol as Linux probes it", async () => {
  await using e2e = await startE2e({ manifest: MANIFEST });
  const reports = [
    await probe(e2e.runDir, ["smc1", "smc", String(0x82000010), "0"]),
    await probe(e2e.runDir, ["smc2", "smc", String(0x82000011), "0"]),
    await probe(e2e.runDir, ["mbox", "mailbox", "0", "0", "1", String(0x100)]),
  ];
  for (const r of reports) {
    const agent = e2e.dep.agents.find((a) => a.name === r.agent)!;
    assertEquals(r.vendor, "vscmi");
    assertEquals(r.numAgents, 3);
    const granted = agent.protocols.map((p) => p.id).filter((id) => id !== 0x10).sort((a, b) =>
      a - b
    );
    assertEquals(r.protocols, granted, `${r.agent}: listed protocols`);
    assertEquals(r.protocols.length, 9, "every built-in protocol besides Base");
    for (const [p, pr] of Object.entries(r.perProtocol)) {
      assert(pr.version > 0, `${r.agent} 0x${p}: version`);
      const statuses = Object.values(pr.resources).flat();
      if (p !== "10" && p !== "12") assert(statuses.length > 0, `${r.agent} 0x${p}: resources`);
      assertEquals(statuses.filter((s) => s !== Status.SUCCESS), [], `${r.agent} 0x${p}`);
    }
  }

  for (const r of reports.slice(0, 2)) {
    // SMC: no P2A channel, so nothing asynchronous and no notification is offered.
    for (const [p, pr] of Object.entries(r.perProtocol)) {
      for (const [id, s] of Object.entries(pr.notify)) {
        assertEquals(s, Status.NOT_FOUND, `${r.agent} 0x${p} notify command 0x${id} offered`);
      }
    }
    assertEquals((r.perProtocol["14"].attributes[0] >>> 16) & 0xff, 0, "clock max_async_req");
    for (const f of r.perProtocol["16"].flags) {
      assertEquals(f & 0xc000_0000, 0, "reset async/notify");
    }
    for (const f of r.perProtocol["11"].flags) {
      assertEquals(f & 0xc000_0000, 0, "power notify/async");
    }
    assert(r.async.rateSetStatus !== Status.SUCCESS, "an async rate set is refused");
    assertEquals(r.p2a, []);
  }

  const m = reports[2];
  for (const [p, pr] of Object.entries(m.perProtocol)) {
    for (const [id, s] of Object.entries(pr.notify)) {
      assertEquals(s, Status.SUCCESS, `mbox 0x${p} notify command 0x${id}`);
    }
  }
  assert(((m.perProtocol["14"].attributes[0] >>> 16) & 0xff) > 0, "clock max_async_req");
  assertEquals(m.async.rateSetStatus, Status.SUCCESS);
  const kinds = m.p2a.map((h) => {
    const w = headerOf(h);
    return [headerType(w), headerProtocol(w), headerMessageId(w)];
  });
  // CLOCK_RATE_CHANGED and CLOCK_RATE_SET_COMPLETE, for clock 0, in either order.
  assertEquals(
    kinds.map((k) => k.join(",")).sort(),
    [
      [MsgType.DELAYED_RESPONSE, 0x14, 0x5].join(","), // CLOCK_RATE_SET_COMPLETE
      [MsgType.NOTIFICATION, 0x14, 0x0].join(","), // CLOCK_RATE_CHANGED
    ],
  );
});
