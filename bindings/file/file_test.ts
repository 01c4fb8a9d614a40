/**
 * The file binding as a VMM shim sees it: `NAME.shm`, `NAME.doorbell` and `NAME.irq` in the
 * run directory, owner-only; 32-byte doorbell records answered with 8 bytes once the reply is
 * in the channel; 4-byte interrupt records; a broken record or a vanished peer leaves the
 * binding serving; closing removes the files.
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { transportEnv } from "../../core/session_port.ts";
import { shmemTransport } from "../../transports/shmem/mod.ts";
import { agent, fx } from "../../transports/shmem/_fixture_test.ts";
import { LinuxChannel } from "../../transports/shmem/_linux_agent_test.ts";
import { fileBinding, FileMemory, filePaths, IRQ_BACKLOG } from "./mod.ts";
import { Logger } from "../../core/log.ts";
import { until } from "../../core/_wait_test.ts";
import { doorbellRecord as record, readExactly } from "./_shim_test.ts";

const FID = 0x8200_0010;

const u64 = (b: Uint8Array) => new DataView(b.buffer).getBigUint64(0, true);

Deno.test("file binding: owner-only files, doorbell answers, completion interrupts, cleanup", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-file-" });
  const runDir = `${dir}/run`;
  const handle = await shmemTransport.start(transportEnv(fx.platform, agent, {
    options: { doorbell: "smc", function_id: FID, channels: [{ offset: 0x200, size: 0x80 }] },
    runDir,
  }));
  const paths = filePaths(runDir, "vm1");
  try {
    assertEquals(handle.p2a, false);
    for (const p of [paths.shm, paths.doorbell, paths.irq]) {
      assertEquals((await Deno.stat(p)).mode! & 0o777, 0o600, p);
    }
    assertEquals((await Deno.stat(paths.shm)).size, 0x1000, "whole pages covering the area");

    const file = await Deno.open(paths.shm, { read: true, write: true });
    const ch = new LinuxChannel(new FileMemory(file, 0x1000), 0x200, 0x80);
    assert(ch.free, "the area is handed to the agent at start");
    const irq = await Deno.connect({ transport: "unix", path: paths.irq });
    // A peer that sends half a record and goes takes nothing with it.
    const broken = await Deno.connect({ transport: "unix", path: paths.doorbell });
    await broken.write(record(FID).subarray(0, 10));
    broken.close();

    const db = await Deno.connect({ transport: "unix", path: paths.doorbell });
    await db.write(record(FID + 1));
    assertEquals(u64(await readExactly(db, 8)), 0xffff_ffff_ffff_ffffn, "unknown function id");

    const header = encodeHeader(0x0, MsgType.COMMAND, 0x10, 12);
    ch.prepare(header, new Uint8Array(0), false); // completion interrupt wanted
    await db.write(record(FID));
    assertEquals(u64(await readExactly(db, 8)), 0n);
    assert(ch.pollDone(header), "the reply is in the channel when the trap completes");
    assertEquals(ch.fetch().status, 0);
    assertEquals(new DataView((await readExactly(irq, 4)).buffer).getUint32(0, true), 0);
    db.close();
    irq.close();
    file.close();
  } finally {
    await handle.close();
  }
  for (const p of [paths.shm, paths.doorbell, paths.irq]) {
    assertEquals(await Deno.lstat(p).then(() => true, () => false), false, `${p} removed`);
  }
  await Deno.remove(dir, { recursive: true });
});

/** The file binding for agent "g" in a fresh directory; `ready()` counts its readers taken. */
async function bindingOfG() {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-file-" });
  let readers = 0;
  const b = await fileBinding.start({
    agent: "g",
    runDir: `${dir}/run`,
    size: 0x1000,
    log: new Logger(),
    doorbell: () => Promise.resolve(0n),
    interruptsReady: () => void readers++,
  });
  return { dir, b, ready: () => readers };
}

Deno.test("file binding: an interrupt reader that falls IRQ_BACKLOG records behind is let go", async () => {
  const { dir, b, ready } = await bindingOfG();
  try {
    assertEquals(b.canInterrupt, false);
    const irq = await Deno.connect({ transport: "unix", path: filePaths(`${dir}/run`, "g").irq });
    await until(() => ready() === 1, "the reader is taken");
    assert(b.canInterrupt);
    // More records at once than a reader may leave unwritten: it is disconnected.
    for (let i = 0; i <= IRQ_BACKLOG; i++) b.interrupt(i);
    assertEquals(b.canInterrupt, false);
    let bytes = 0;
    const buf = new Uint8Array(4096);
    for (let n; (n = await irq.read(buf)) !== null;) bytes += n;
    assert(bytes < (IRQ_BACKLOG + 1) * 4, `${bytes} bytes read`);
    irq.close();
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file binding: interrupts raised before a reader connects reach the first one, once per channel", async () => {
  const { dir, b, ready } = await bindingOfG();
  try {
    b.interrupt(1);
    b.interrupt(0);
    b.interrupt(1); // the same line raised again while pending: one interrupt
    const irq = await Deno.connect({ transport: "unix", path: filePaths(`${dir}/run`, "g").irq });
    await until(() => ready() === 1, "the reader is taken");
    b.interrupt(2);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      got.push(new DataView((await readExactly(irq, 4)).buffer).getUint32(0, true));
    }
    assertEquals(got, [1, 0, 2]);
    irq.close();
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
