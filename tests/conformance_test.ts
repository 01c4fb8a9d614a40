/**
 * The conformance suites of `testing/` over every built-in: each protocol against the bundled
 * deployment (sim board), the sim driver, the stream, vhost-user, shmem and virtio-mmio
 * transports, and the test vendor protocol and driver of `tests/vendor_kind/`.
 * @module
 */
import { fileURLToPath } from "node:url";
import { defaultDeploymentPath, loadBoard, simBoardPath } from "../server/manifest/mod.ts";
import { BUILTINS, DRIVERS, PROTOCOLS } from "../builtins.ts";
import { simDriver } from "../boards/drivers/sim.ts";
import {
  answersNumber,
  BUILTIN_CONTRACTS,
  driverConformance,
  Harness,
  type HwContract,
  protocolConformance,
  type ProtocolSuite,
  transportConformance,
} from "../testing/mod.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { vhostUserTransport } from "../transports/vhost-user/mod.ts";
import { vhostUserWire } from "./conformance/vhost_user_wire.ts";
import { streamWire } from "./conformance/stream_wire.ts";
import { SHMEM_SESSIONS, shmemWire } from "./conformance/shmem_wire.ts";
import { shmemTransport } from "../transports/shmem/mod.ts";
import { virtioMmioWire } from "./conformance/virtio_mmio_wire.ts";
import { virtioMmioTransport } from "../transports/virtio-mmio/mod.ts";
import { RESERVED_BITS } from "./reserved_bits.ts";
import {
  fanDriver,
  type FanHw,
  fanKind,
  protocol as fanProtocol,
} from "./vendor_kind/fan_protocol.ts";

/** The first word of most multi-part replies: 11:0 entries returned, 31:16 remaining. */
const numReturned = ([w]: readonly number[]) => ({ returned: w! & 0xfff, remaining: w! >>> 16 });

/** Per built-in protocol: what the suite cannot learn from its definition. */
const EXTRA: Record<string, Partial<ProtocolSuite>> = {
  clock: {
    // CLOCK_DESCRIBE_RATES (clock, rate_index): num_rates_flags 11:0 returned, 31:16 remaining;
    // 8 bytes a rate. Clock 1 is a list clock the agent sees.
    paged: [{
      message: 0x4,
      params: (skip) => [1, skip],
      page: ([w]) => ({ returned: w! & 0xfff, remaining: w! >>> 16 }),
      bytes: (returned) => 4 + returned * 8,
    }],
    // CLOCK_CONFIG_SET (clock, attributes = ENABLE, oem value).
    votes: [{ message: 0x7, params: [1, 1, 0] }],
  },
  // POWER_STATE_SET (flags, domain, state = on).
  power: { attributesBytes: 16, votes: [{ message: 0x4, params: [0, 0, 0] }] },
  perf: {
    attributesBytes: 16,
    // PERFORMANCE_DESCRIBE_LEVELS (domain, level_index): num_levels 11:0 returned, 31:16 remaining.
    paged: [{ message: 0x4, params: (skip) => [0, skip], page: numReturned }],
    // PERFORMANCE_LEVEL_SET (domain 0, its lowest level).
    votes: [{ message: 0x7, params: [0, 200] }],
  },
  // VOLTAGE_DESCRIBE_LEVELS (domain, level_index), as perf's; VOLTAGE_CONFIG_SET (domain, on).
  voltage: {
    paged: [{ message: 0x4, params: (skip) => [0, skip], page: numReturned }],
    votes: [{ message: 0x5, params: [0, 7] }],
  },
  // RESET (domain, flags = explicit assert, state).
  reset: { votes: [{ message: 0x4, params: [0, 2, 0] }] },
  sensor: {
    attributesBytes: 16,
    // SENSOR_DESCRIPTION_GET (desc_index): num_sensor_flags 11:0 returned, 31:16 remaining.
    paged: [{ message: 0x3, params: (skip) => [skip], page: numReturned }],
  },
  // Pins 15:0 and groups 31:16 of the first word, functions 15:0 of the second.
  pinctrl: {
    attributesBytes: 8,
    // PINCTRL_LIST_ASSOCIATIONS (group 0, flags = group, index).
    paged: [{ message: 0x4, params: (skip) => [0, 1, skip], page: numReturned }],
    counts: {
      pin: ([w]) => w! & 0xffff,
      group: ([w]) => w! >>> 16,
      function: ([, w]) => w! & 0xffff,
    },
  },
};

for (const protocol of PROTOCOLS) {
  Deno.test(`conformance: protocol ${protocol.name}`, (t) =>
    protocolConformance(t, {
      protocol,
      manifest: defaultDeploymentPath(),
      agent: "vm1",
      reserved: RESERVED_BITS[protocol.id],
      ...EXTRA[protocol.name],
    }));
}

Deno.test("conformance: the test vendor protocol (own resource kind)", async (t) => {
  const manifest = fileURLToPath(new URL("./vendor_kind/vscmi.toml", import.meta.url));
  const h = await Harness.load(manifest, { log: () => {}, drivers: [fanDriver] });
  try {
    await protocolConformance(t, {
      protocol: fanProtocol,
      manifest: h,
      agent: "vm1",
      counts: { fan: (w) => w[0]! },
    });
  } finally {
    await h.close();
  }
});

Deno.test("conformance: the sim driver, every built-in kind", async (t) => {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const driver = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board });
  try {
    await driverConformance(t, { driver, board, contracts: BUILTIN_CONTRACTS });
  } finally {
    await driver.close?.();
  }
});

Deno.test("conformance: the stream transport", (t) =>
  transportConformance(t, { transport: streamTransport, wire: streamWire }));

Deno.test("conformance: the vhost-user transport", (t) =>
  transportConformance(t, { transport: vhostUserTransport, wire: vhostUserWire }));

for (const doorbell of ["smc", "smc-param", "mailbox"] as const) {
  Deno.test(`conformance: the shmem transport, ${doorbell} doorbell (file binding)`, (t) =>
    transportConformance(t, {
      transport: shmemTransport,
      wire: shmemWire(doorbell),
      sessions: { perTransport: SHMEM_SESSIONS },
    }));
}

Deno.test("conformance: the virtio-mmio transport (hvisor file bridge, simulated EL2)", (t) =>
  transportConformance(t, { transport: virtioMmioTransport, wire: virtioMmioWire() }));

Deno.test("conformance: the test vendor driver, against its own kind's contract", async (t) => {
  const board = await loadBoard(
    fileURLToPath(new URL("./vendor_kind/board.toml", import.meta.url)),
    { ...BUILTINS, protocols: [...PROTOCOLS, fanProtocol], drivers: [...DRIVERS, fanDriver] },
  );
  const driver = await fanDriver.create({ name: "fans", options: {}, board });
  const fan: HwContract<FanHw> = {
    kind: fanKind,
    required: ["rpm"],
    calls: (hw, id) => ({ rpm: () => answersNumber("rpm", hw.rpm(id)) }),
  };
  await driverConformance(t, { driver, board, contracts: [fan as HwContract] });
});
