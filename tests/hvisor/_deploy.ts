/**
 * The test deployment of the hvisor suites: two zones on the simulated board, each with one
 * virtio-mmio SCMI device on one file bridge, and `vscmi serve` of it as a child process.
 *
 * The `mem` file is laid out with guard stretches around each zone's RAM, so a test can tell
 * that nothing was written outside a zone: 1 MiB guard, zone 1's RAM (1 MiB at zone0_ipa
 * 0x100000), 1 MiB guard, zone 2's RAM (0x300000), 1 MiB guard. Both zones see their RAM at
 * zonex_ipa 0x50000000, as hvisor zones usually do, so every address vscmi touches has been
 * translated.
 * @module
 */
import { fileURLToPath } from "node:url";
import { until } from "../../core/_wait_test.ts";
import { simBoardPath } from "../../server/manifest/mod.ts";
import type { ZoneConfig } from "./guest_main.ts";
import { El2 } from "./_el2.ts";

/** hvisor-tool's VIRT_VENDOR. */
export const VENDOR = 0x48564953;
/** Bytes of the `mem` file. */
export const MEM_BYTES = 0x50_0000;
/** Guest-physical base of each zone's RAM. */
export const ZONE_RAM_GPA = 0x5000_0000;
const MIB = 0x10_0000;

/** Zone 1 (vm1's devices, every protocol) and zone 2 (vm2's devices, clock/reset/power). */
export const ZONES: ZoneConfig[] = [
  {
    zone: 1,
    cpu: 1,
    base: 0xa003c00,
    irq: 78,
    vendor: VENDOR,
    region: { zone0Ipa: 1 * MIB, zonexIpa: ZONE_RAM_GPA, size: MIB },
  },
  {
    zone: 2,
    cpu: 2,
    base: 0xa003e00,
    irq: 79,
    vendor: VENDOR,
    region: { zone0Ipa: 3 * MIB, zonexIpa: ZONE_RAM_GPA, size: MIB },
  },
];

/** The stretches of `mem` outside every zone's RAM: [start, end). */
export const GUARDS: [number, number][] = [[0, MIB], [2 * MIB, 3 * MIB], [4 * MIB, 5 * MIB]];

const GRANTS: Record<number, string> = {
  1: `protocols = ["clock", "reset", "power", "perf", "system", "sensor", "voltage", "powercap", "pinctrl"]
devices = ["uart0", "i2c0", "spi0", "display", "gpu"]`,
  2: `protocols = ["clock", "reset", "power"]
devices = ["uart1", "usb", "emmc", "audio", "dsp", "gpio"]`,
};

/** The deployment manifest: one agent per zone, all on the file bridge in `dir`. */
export function manifest(dir: string, zones: ZoneConfig[] = ZONES): string {
  const agents = zones.map((z) => {
    const r = z.region;
    return `[[agent]]
name = "zone${z.zone}"
${GRANTS[z.zone] ?? GRANTS[2]}

[agent.transport]
type = "virtio-mmio"
device = "file:${dir}"
zone = ${z.zone}
base = 0x${z.base.toString(16)}
size = 0x200
irq = ${z.irq}
vendor = 0x${z.vendor.toString(16)}
memory = [ { zone0_ipa = 0x${r.zone0Ipa.toString(16)}, zonex_ipa = 0x${
      r.zonexIpa.toString(16)
    }, size = 0x${r.size.toString(16)} } ]
`;
  });
  return `board = ${JSON.stringify(simBoardPath())}\n\n${agents.join("\n")}`;
}

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** A child process and the lines it printed (stdout and stderr together). */
export class Child {
  readonly lines: string[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | null;

  constructor(readonly proc: Deno.ChildProcess, stdin: boolean) {
    const pumps = Promise.all([this.#collect(proc.stdout), this.#collect(proc.stderr)]);
    this.status = proc.status.then(async (s) => (await pumps, s));
    this.#stdin = stdin ? proc.stdin.getWriter() : null;
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
    if (buf) this.lines.push(buf);
  }

  /** Waits for a line containing `prefix`; returns it. Throws if the process ends first. */
  async line(prefix: string): Promise<string> {
    let ended = false;
    this.status.then(() => ended = true);
    let found: string | undefined;
    await until(() => {
      found = this.lines.find((l) => l.includes(prefix));
      if (found === undefined && ended) {
        throw new Error(`process ended before "${prefix}":\n${this.lines.join("\n")}`);
      }
      return found !== undefined;
    }, `a line "${prefix}…"`);
    return found!;
  }

  async send(line: string): Promise<void> {
    await this.#stdin!.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Kills it (SIGKILL by default) and waits for it to end. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<Deno.CommandStatus> {
    try {
      this.proc.kill(signal);
    } catch { /* already gone */ }
    await this.#stdin?.close().catch(() => {});
    return await this.status;
  }
}

/** Starts `vscmi serve MANIFEST` with its run and state directories; waits until it serves. */
export async function serve(
  manifestPath: string,
  runDir: string,
  stateDir: string,
  ...extra: string[]
): Promise<Child> {
  await Deno.remove(`${runDir}/control.sock`).catch(() => {});
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      manifestPath,
      "--run-dir",
      runDir,
      "--state-dir",
      stateDir,
      ...extra,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const c = new Child(proc, false);
  await c.line("Stop with Ctrl-C");
  return c;
}

/** Starts a Deno script with arguments, its stdin open for {@linkcode Child.send}. */
export function script(url: URL, ...args: string[]): Child {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(url), ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  return new Child(proc, true);
}

/** A bridge in a temporary directory, its simulator in this process, and vscmi serving it. */
export interface Rig {
  readonly dir: string;
  readonly el2: El2;
  readonly manifestPath: string;
  /** Every `vscmi serve` started, the current one last. */
  readonly servers: Child[];
  /** Starts `vscmi serve` of the deployment (run and state directories in `dir`). */
  serve(): Promise<Child>;
  /** What every vscmi printed, for failure messages. */
  log(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates the bridge files and the simulator; vscmi is started by `serve()`. */
export async function bridgeRig(opts: { spin?: boolean } = {}): Promise<Rig> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-hvisor-" });
  const bridgeDir = `${dir}/bridge`;
  await Deno.mkdir(bridgeDir);
  await Deno.mkdir(`${dir}/run`);
  const manifestPath = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(manifestPath, manifest(bridgeDir));
  const el2 = await El2.create(bridgeDir, { memBytes: MEM_BYTES, spin: opts.spin });
  const servers: Child[] = [];
  return {
    dir,
    el2,
    manifestPath,
    servers,
    async serve() {
      const s = await serve(manifestPath, `${dir}/run`, `${dir}/state`);
      servers.push(s);
      return s;
    },
    log: () => servers.flatMap((s) => s.lines).join("\n"),
    async [Symbol.asyncDispose]() {
      for (const s of servers) await s.kill("SIGTERM");
      await el2.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
