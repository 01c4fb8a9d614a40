/**
 * `vscmi new driver NAME [--kind reset|power]`: a board driver type backing one built-in
 * kind's contract, with a board, a deployment and a test that drives it directly and through
 * its protocol.
 * @module
 */
import type { ApiPath, Names } from "./names.ts";
import { readme } from "./readme.ts";

/** One built-in kind a driver scaffold can back: its contract, board entries and test. */
interface KindTemplate {
  /** The contract and its in-memory implementation, as the body of `create`. */
  readonly hw: (n: Names) => string;
  readonly board: string;
  readonly member: string;
  /** The body of the direct test on `hw` (the driver's sub-object). */
  readonly direct: string;
  /** The body of the end-to-end test on `h` (a Harness) as vm1. */
  readonly served: string;
}

const KINDS: Record<string, KindTemplate> = {
  reset: {
    hw: () =>
      `    // Which domains are held in reset, and how many pulses each has had.
    const asserted = new Set<number>();
    const pulses = new Map<number, number>();
    const known = (id: number) => {
      if (!board.resources.reset?.some((r) => r.id === id)) {
        throw new DriverError("hardware", \`reset \${id} is not on the board\`);
      }
    };
    return {
      name,
      reset: {
        isAsserted: (id: number) => asserted.has(id),
        setAsserted(id: number, on: boolean) {
          known(id);
          if (on) asserted.add(id);
          else asserted.delete(id);
        },
        pulse(id: number) {
          known(id);
          pulses.set(id, (pulses.get(id) ?? 0) + 1);
        },
      },
    };`,
    board: `[[reset]]
id = 0
name = "rst_a"

[[reset]]
id = 1
name = "rst_b"
`,
    member: `resets = ["rst_b"]`,
    direct: `  const hw = drv.reset as {
    isAsserted(id: number): boolean;
    setAsserted(id: number, on: boolean, state: number): void;
  };
  hw.setAsserted(0, true, 0);
  deepStrictEqual([hw.isAsserted(0), hw.isAsserted(1)], [true, false]);
  hw.setAsserted(0, false, 0);
  deepStrictEqual(hw.isAsserted(0), false);
  throws(() => hw.setAsserted(9, true, 0), /not on the board/);`,
    served: `  // RESET (0x4): domain_id, flags (bit 1 explicit assert), reset_state 0 (cold).
  deepStrictEqual((await h.send("vm1", 0x16, 0x4, [0, 2, 0])).status, Status.SUCCESS);
  deepStrictEqual((await h.send("vm1", 0x16, 0x4, [0, 0, 0])).status, Status.SUCCESS);
  deepStrictEqual((await h.send("vm1", 0x16, 0x4, [1, 2, 0])).status, Status.NOT_FOUND);`,
  },
  power: {
    hw: () =>
      `    // Each domain's power state word, OFF (0x40000000) until set.
    const states = new Map<number, number>();
    const known = (id: number) => {
      if (!board.resources.power?.some((r) => r.id === id)) {
        throw new DriverError("hardware", \`power domain \${id} is not on the board\`);
      }
    };
    return {
      name,
      power: {
        getState: (id: number) => states.get(id) ?? 0x4000_0000,
        setState(id: number, state: number) {
          known(id);
          states.set(id, state);
        },
      },
    };`,
    board: `[[power]]
id = 0
name = "pd_a"

[[power]]
id = 1
name = "pd_b"
`,
    member: `power_domains = ["pd_b"]`,
    direct: `  const hw = drv.power as {
    getState(id: number): number;
    setState(id: number, state: number): void;
  };
  deepStrictEqual(hw.getState(0), 0x4000_0000);
  hw.setState(0, 0);
  deepStrictEqual([hw.getState(0), hw.getState(1)], [0, 0x4000_0000]);
  throws(() => hw.setState(9, 0), /not on the board/);`,
    served: `  // POWER_STATE_SET (0x4): flags 0, domain_id, state ON (0); POWER_STATE_GET (0x5).
  deepStrictEqual((await h.send("vm1", 0x11, 0x4, [0, 0, 0])).status, Status.SUCCESS);
  const got = await h.send("vm1", 0x11, 0x5, [0]);
  deepStrictEqual([got.status, got.words()], [Status.SUCCESS, [0]]);
  deepStrictEqual((await h.send("vm1", 0x11, 0x5, [1])).status, Status.NOT_FOUND);`,
  },
};

/** The kinds a driver scaffold can back. */
export const DRIVER_KINDS = Object.keys(KINDS);

/** The files of a driver scaffold backing `kind`, by name. */
export function driverFiles(n: Names, kind: string, api: ApiPath): Record<string, string> {
  const k = KINDS[kind];
  const r = api.root;
  const file = n.name.replaceAll("-", "_");
  const protocol = kind === "power" ? "power" : "reset";
  return {
    "mod.ts": `/**
 * The "${n.dashed}" board driver type: backs ${kind} resources, state kept in memory.
 * Replace the bodies with your hardware's operations; throw \`DriverError\` for a failure.
 * @module
 */
import { API_MAJOR, defineDriver, DriverError } from "${r}mod.ts";

/** The "${n.dashed}" driver type (\`type = "${n.dashed}"\` in a board's \`[[driver]]\`). */
export const ${n.camel}Driver = defineDriver({
  api: API_MAJOR,
  name: "${n.dashed}",
  summary: "${kind} resources kept in memory",
  options: {},
  create({ name, board }) {
${k.hw(n)}
  },
});

export default ${n.camel}Driver;
`,
    "board.toml": `# A board whose ${kind} resources the "${n.dashed}" driver serves.
[board]
name = "${n.dashed}-board"

[[driver]]
name = "${n.dashed}"
type = "${n.dashed}"

${k.board}`,
    "vscmi.toml": `# vm1 sees one ${kind} resource of the board, at virtual id 0.
board = "board.toml"

[platform]
state_dir = false

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["${protocol}"]
${k.member}
`,
    [`${file}_test.ts`]: `/**
 * The "${n.dashed}" driver: its contract on its own, then served through the ${protocol} protocol.
 * @module
 */
import { deepStrictEqual, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { emptyBoard, Status } from "${r}mod.ts";
import { Harness } from "${r}testing/mod.ts";
import { ${n.camel}Driver } from "./mod.ts";

Deno.test("${n.dashed}: the ${kind} contract, and a failure thrown as DriverError", async () => {
  const board = emptyBoard();
  board.resources.${kind} = [{ id: 0, name: "a", driver: "d" }, { id: 1, name: "b", driver: "d" }];
  const drv = await ${n.camel}Driver.create({ name: "d", options: {}, board });
${k.direct}
});

Deno.test("${n.dashed}: served to an agent through the ${protocol} protocol", async () => {
  const manifest = fileURLToPath(new URL("./vscmi.toml", import.meta.url));
  const h = await Harness.load(manifest, { drivers: [${n.camel}Driver] });
  try {
  ${k.served.replaceAll("\n", "\n  ")}
  } finally {
    await h.close();
  }
});
`,
    "README.md": readme(
      `The "${n.dashed}" board driver`,
      [
        `A board driver type scaffolded by \`vscmi new driver --kind ${kind}\`: \`mod.ts\` backs the`,
        `${kind} contract with state in memory; \`board.toml\` and \`vscmi.toml\` use it. Give the`,
        "driver type to the platform with the built-in ones (a Harness takes it as `drivers`).",
      ],
      `deno test -A ${file}_test.ts`,
      api,
    ),
  };
}
