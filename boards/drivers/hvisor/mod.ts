/**
 * The `hvisor` board driver: zone0's clocks, reset lines and power domains through the SCMI
 * helper ioctls of hvisor-tool's `hvisor.ko` (c724e91), and `vscmi discover --hvisor DEVICE`,
 * which writes a board from what the helper reports. See `driver.ts` for the behaviour and
 * `abi.ts` for the ioctls.
 * @module
 */
import { API_MAJOR } from "../../../core/api.ts";
import { defineDriver, type DiscoverEnv, type DriverDef } from "../../../core/driver.ts";
import type { DriverEnv } from "../../../core/driver.ts";
import { hwAccessOf, hwPath } from "../../../core/hw_root.ts";
import { OptionError } from "../../../core/options.ts";
import type { IoctlFn } from "./abi.ts";
import { boardNames, hvisorBoardToml } from "./board_toml.ts";
import { createHvisorDriver } from "./driver.ts";
import { HvisorHelper } from "./helper.ts";
import { type HvisorDevice, openHvisor } from "./device.ts";
import { hvisorImporter } from "./import.ts";

/** The device a board names (default `/dev/hvisor`), under the hardware root. */
function devicePath(env: Pick<DriverEnv, "options" | "hwRoot">): string {
  const d = env.options.device;
  return hwPath(hwAccessOf(env).hwRoot, typeof d === "string" ? d : "/dev/hvisor");
}

/**
 * Opens the device for a driver instance. A directory there is the file bridge that stands
 * for hvisor on a laptop or in tests (`bindings/hvisor/README.md`): it has no SCMI helper, so
 * the driver answers from memory. In a dry run, a device that cannot be opened does the same.
 */
function openForDriver(path: string, dryRun: boolean, opener: (p: string) => HvisorDevice) {
  try {
    if (Deno.statSync(path).isDirectory) return null;
  } catch { /* not there: opening says why */ }
  try {
    return opener(path);
  } catch (e) {
    if (dryRun) return null;
    throw new Error(
      `Cannot open ${path} for hvisor's SCMI helper ioctls (${
        e instanceof Error ? e.message : e
      }): load hvisor.ko in zone0; without it, \`vscmi serve --dry-run\` keeps the resources in ` +
        "memory, and --hw-root DIR with a file bridge at DIR/dev/hvisor does too",
      { cause: e },
    );
  }
}

/**
 * The driver type, opening devices with `opener` (the FFI one by default; tests pass a fake
 * ioctl through it).
 */
export function hvisorDriverWith(opener: (path: string) => HvisorDevice): DriverDef {
  return defineDriver({
    api: API_MAJOR,
    name: "hvisor",
    summary: "hvisor zone0: clocks, resets and power domains through /dev/hvisor's SCMI helper",
    options: {
      device: "The hvisor device (default /dev/hvisor under the hardware root)",
    },
    checkOptions(options) {
      const d = options.device;
      if (d !== undefined && (typeof d !== "string" || !d.startsWith("/"))) {
        throw new OptionError("device", "an absolute path such as /dev/hvisor", d);
      }
    },
    create(env) {
      const { dryRun } = hwAccessOf(env);
      const dev = openForDriver(devicePath(env), dryRun, opener);
      return createHvisorDriver({
        name: env.name,
        board: env.board,
        helper: dev && new HvisorHelper(dev.ioctl),
        dryRun,
        log: env.log,
        close: dev?.close,
      });
    },
    discover: {
      flag: "hvisor",
      summary: "zone0's hvisor node through DEVICE's SCMI helper (e.g. /dev/hvisor)",
      run: (env) => Promise.resolve(discoverHvisor(env, opener)),
    },
    importers: [hvisorImporter],
  });
}

/** The board text `vscmi discover --hvisor DEVICE` writes. */
export function discoverHvisor(
  env: DiscoverEnv,
  opener: (path: string) => HvisorDevice,
): string {
  const path = env.source ?? hwPath(env.hwRoot, "/dev/hvisor");
  let dev: HvisorDevice;
  try {
    dev = opener(path);
  } catch (e) {
    throw new Error(
      `Cannot open ${path} (${e instanceof Error ? e.message : e}): is hvisor.ko loaded?`,
    );
  }
  try {
    const h = new HvisorHelper(dev.ioctl);
    const read = <T>(what: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new Error(`${path}: ${what}: ${e instanceof Error ? e.message : e}`);
      }
    };
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
    const clocks = boardNames(
      "clock",
      ids(read("clock count", () => h.clockCount())).map((id) => ({
        id,
        name: read(`clock ${id} name`, () => h.clockName(id)),
      })),
    ).map((c) => ({ ...c, rate: read(`clock ${c.id} rate`, () => h.rateGet(c.id)) }));
    const resets = ids(read("reset count", () => h.resetCount())).map((id) => ({
      id,
      name: `reset${id}`,
    }));
    const powers = boardNames(
      "power",
      ids(read("power count", () => h.powerCount())).map((id) => ({
        id,
        name: read(`power ${id} name`, () => h.powerName(id)),
      })),
    );
    env.log.info(
      `${path}: ${clocks.length} clocks, ${resets.length} resets, ${powers.length} power domains`,
    );
    const onDefault = path === hwPath(env.hwRoot, "/dev/hvisor");
    return hvisorBoardToml({
      name: "hvisor-zone0",
      ...(onDefault ? {} : { device: path }),
      header: [
        `vscmi board manifest written by \`vscmi discover --hvisor ${path}\`: the clocks,`,
        "reset lines and power domains of zone0's device-tree node with compatible",
        '"hvisor", by index in its clocks, resets and power-domains lists (names and rates',
        "as the kernel reported them; the helper names no reset line). Clock rates: the",
        "helper lists none, the kernel rounds each request.",
      ],
      clocks: clocks.map((c) => c.rate >= 1 && c.rate <= 1e10 ? c : { id: c.id, name: c.name }),
      resets,
      powers,
    });
  } finally {
    dev.close();
  }
}

/** Opens a device with the libc layer. */
const ffiOpener = (path: string): HvisorDevice => openHvisor(path);

/** The built-in `hvisor` driver type. */
export const hvisorDriver: DriverDef = hvisorDriverWith(ffiOpener);

/** The helper's ioctl type, for tests that fake the device. */
export type { IoctlFn };
