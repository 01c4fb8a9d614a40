import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Logger } from "../../core/log.ts";
import type { MmioState } from "./device.ts";
import { loadState, saveState, stateFile } from "./state.ts";

const STATE: MmioState = {
  status: 15,
  deviceFeaturesSel: 0,
  driverFeaturesSel: 0,
  driverFeatures: [0x3000_0001, 1],
  queueSel: 1,
  shmSel: 0,
  configGeneration: 0,
  queues: [
    {
      num: 64,
      ready: 1,
      desc: [0x5000_0000, 0],
      driver: [0x5000_0400, 0],
      device: [0x5000_1000, 0],
    },
    {
      num: 64,
      ready: 1,
      desc: [0x5000_2000, 0],
      driver: [0x5000_2400, 0],
      device: [0x5000_3000, 0],
    },
  ],
};

Deno.test("virtio-mmio kept registers: saved and read back; missing → none; damaged → none, logged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-mmio-state-" });
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  try {
    const file = stateFile(dir, 1, 0xa003c00);
    assertEquals(file, `${dir}/virtio-mmio/zone1-0xa003c00.json`);
    await Deno.mkdir(`${dir}/virtio-mmio`);
    assertEquals(loadState(file, log), null);
    saveState(file, STATE);
    assertEquals(loadState(file, log), STATE);
    await Deno.writeTextFile(file, JSON.stringify({ ...STATE, queues: [STATE.queues[0]] }));
    assertEquals(loadState(file, log), null);
    await Deno.writeTextFile(file, "{ not json");
    assertEquals(loadState(file, log), null);
    assertEquals(lines.filter((l) => l.includes("is damaged")).length, 2);
    assert(!lines.some((l) => l.includes("cannot be read")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
