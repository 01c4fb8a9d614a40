/**
 * The vendor example (`examples/vendor-plugin/`) under the conformance suites a vendor runs:
 * its fan protocol through the protocol suite on its own deployment (served exactly as
 * `vscmi serve examples/vendor-plugin/vscmi.toml` serves it, the driver from the plugin
 * module's `drivers` export), and its simulated fan driver through the driver suite against
 * the fan kind's contract. A file of its own: the example's `fan` kind and the test vendor
 * kind of `tests/vendor_kind/` share a name, and kinds are one table per process.
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  answersNumber,
  driverConformance,
  Harness,
  type HwContract,
  protocolConformance,
} from "../testing/mod.ts";
import { loadBoard } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import protocol, { drivers, type FanHw, fanKind } from "../examples/vendor-plugin/fan.ts";

const here = (f: string) =>
  fileURLToPath(new URL(`../examples/vendor-plugin/${f}`, import.meta.url));

Deno.test("conformance: the vendor example's fan protocol, served from its own deployment", async (t) => {
  const h = await Harness.load(here("vscmi.toml"), { log: () => {} });
  try {
    await protocolConformance(t, {
      protocol,
      manifest: h,
      agent: "vm1",
      counts: { fan: (w) => w[0]! & 0xffff },
      // FAN_GET_SPEED and FAN_SET_SPEED resolve the agent's fan id themselves.
      addressed: { fan: [0x3, 0x4] },
    });
  } finally {
    await h.close();
  }
});

Deno.test("conformance: the vendor example's fan-sim driver, against the fan kind's contract", async (t) => {
  const board = await loadBoard(here("board.toml"), {
    ...BUILTINS,
    protocols: [...BUILTINS.protocols, protocol],
    drivers: [...BUILTINS.drivers, ...drivers],
  });
  const driver = await drivers[0].create({ name: "fans", options: {}, board });
  const fan: HwContract<FanHw> = {
    kind: fanKind,
    required: ["speed", "setSpeed"],
    calls: (hw, id) => ({
      speed: () => answersNumber("speed", hw.speed(id)),
      setSpeed: () => hw.setSpeed(id, 0),
    }),
  };
  await driverConformance(t, { driver, board, contracts: [fan as HwContract] });
});
