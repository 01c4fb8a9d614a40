/**
 * `vscmi new`: each scaffold is written by the command line, then its own test runs with
 * `deno test` as generated (inside the repository tree, and once outside it with `--dir`), and
 * `vscmi check` accepts the generated board's deployment. Refusals leave the disk as it was.
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { newCommand } from "../cli/new/mod.ts";
import { CommandError } from "../cli/args.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MAIN = join(ROOT, "main.ts");

interface Run {
  code: number;
  out: string;
}

async function deno(args: string[], cwd = ROOT): Promise<Run> {
  const o = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

const vscmi = (...args: string[]) => deno(["run", "-A", MAIN, ...args]);

/** The "N passed | M failed" counts of a `deno test` run. */
function counts(out: string): [number, number] {
  const m = /(\d+) passed \| (\d+) failed/.exec(out);
  return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
}

Deno.test("vscmi new: protocol, drivers, transport and board inside the repository pass their tests and check as generated", async () => {
  const dir = await Deno.makeTempDir({ dir: join(ROOT, "tests"), prefix: "_new_" });
  try {
    for (
      const args of [
        ["protocol", "widget", "--id", "0x81"],
        ["driver", "my_reset"],
        ["driver", "my-power", "--kind", "power"],
        ["transport", "pipe"],
        ["board", "demo"],
      ]
    ) {
      const r = await vscmi("new", ...args, "--dir", dir);
      assertEquals(r.code, 0, `vscmi new ${args.join(" ")}: ${r.out}`);
    }
    const mod = await Deno.readTextFile(join(dir, "widget", "mod.ts"));
    assert(mod.includes(`} from "../../../mod.ts";`), "imports the API by a relative path");
    assert(mod.includes("api: API_MAJOR,") && mod.includes("id: WIDGET_PROTOCOL,"), mod);
    assert((await Deno.readTextFile(join(dir, "widget", "msg.ts"))).includes("= 0x81;"));

    // Generated code meets the repository's own formatting and lint rules.
    const fmt = await deno(["fmt", "--check", dir]);
    assertEquals(fmt.code, 0, fmt.out);
    const lint = await deno(["lint", dir]);
    assertEquals(lint.code, 0, lint.out);

    const t = await deno(["test", "-A", "--quiet", dir]);
    assertEquals([t.code, counts(t.out)], [0, [9, 0]], t.out);

    const c = await vscmi("check", join(dir, "demo", "vscmi.toml"));
    assertEquals(c.code, 0, c.out);
    assert(c.out.includes(`board "demo" with 1 agent`), c.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vscmi new --dir outside the repository: the README says how the API is found, and the test passes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-new-" });
  try {
    const r = await vscmi("new", "protocol", "outer", "--dir", dir);
    assertEquals(r.code, 0, r.out);
    const folder = join(dir, "outer");
    const readme = await Deno.readTextFile(join(folder, "README.md"));
    assert(readme.includes("outside the vscmi repository"), readme);
    assert(readme.includes(ROOT.replace(/\/$/, "")), readme);
    const config = JSON.parse(await Deno.readTextFile(join(folder, "deno.json")));
    assertEquals(config.imports["@vscmi/vscmi"], join(ROOT, "mod.ts"));
    const t = await deno(["test", "-A", "--quiet"], folder);
    assertEquals([t.code, counts(t.out)], [0, [3, 0]], t.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vscmi new refuses a used folder, a bad name, a non-vendor id and a kind it cannot back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-new-" });
  try {
    await Deno.mkdir(join(dir, "taken"));
    await Deno.writeTextFile(join(dir, "taken", "mod.ts"), "// mine\n");
    const used = await vscmi("new", "protocol", "taken", "--dir", dir);
    assertEquals(used.code, 1, used.out);
    assert(used.out.includes("exists and is not empty: nothing was written"), used.out);
    assertEquals(await Deno.readTextFile(join(dir, "taken", "mod.ts")), "// mine\n");
    assertEquals([...Deno.readDirSync(join(dir, "taken"))].length, 1);

    const cases: [string[], string][] = [
      [["protocol", "Bad Name"], "Expected NAME to be lower-case letters"],
      [["protocol", "fan", "--id", "0x14"], "vendor protocol id 0x80–0xFF"],
      [["driver", "d", "--kind", "clock"], "one of reset, power"],
      [["gadget", "g"], "Expected what to make"],
    ];
    for (const [args, says] of cases) {
      const r = await vscmi("new", ...args, "--dir", dir);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.out}`);
      assert(r.out.includes(says), r.out);
    }
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["taken"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vscmi new away from a source checkout (a bundled program) refuses and writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-new-" });
  try {
    await assertRejects(
      () => newCommand(["board", "x", "--dir", dir], join(dir, "no-checkout")),
      CommandError,
      "source checkout",
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
