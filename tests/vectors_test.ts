/**
 * Runs the byte-exact golden vectors: every `tests/vectors/<proto>/*.toml` file against the
 * fixture its folder's `fixture.ts` builds. Vectors are written by hand from the layouts in
 * the SCMI reference, never captured from vscmi's own output.
 *
 * A vector file:
 * ```toml
 * [[vector]]
 * name = "PROTOCOL_VERSION → 2.1"
 * agent = "vm1"                   # default: the fixture's first agent
 * request = "00 00 00 00"         # header + parameters, bytes in wire order
 * reply = "00 00 00 00 | 00 00 00 00 | 01 00 02 00"
 * p2a = ["…"]                     # optional: exact platform→agent messages queued after it
 * capacity = 4096                 # optional: reply buffer size
 * ```
 * Vectors of one file run in order on one fixture, so a file can walk a sequence.
 * A file may carry `ignore = "reason"` to be skipped with its reason printed.
 * @module
 */
import { parse } from "smol-toml";
import { type Fixture, hex, toHex } from "./harness.ts";
import { assertEquals } from "../core/_assert_test.ts";
import { turn, until } from "../core/_wait_test.ts";

interface Vector {
  name: string;
  agent?: string;
  request: string;
  reply: string;
  p2a?: string[];
  capacity?: number;
  /**
   * After the expected p2a messages arrived, look for unexpected ones once more after an
   * event-loop turn (the fixtures' sims run at time scale 0, so whatever else a command
   * queues is queued by then). The value is kept from when this waited milliseconds.
   */
  settleMs?: number;
}

const root = new URL("./vectors/", import.meta.url);
for await (const dir of Deno.readDir(root)) {
  if (!dir.isDirectory) continue;
  const base = new URL(`${dir.name}/`, root);
  const entries = [...Deno.readDirSync(base)].map((f) => f.name);
  const files = entries.filter((f) => f.endsWith(".toml")).sort();
  if (!entries.includes("fixture.ts")) {
    Deno.test({
      name: `vectors ${dir.name}: the folder has a fixture.ts`,
      ignore: files.length === 0,
      fn() {
        throw new Error(`tests/vectors/${dir.name} holds vectors but no fixture.ts to run them`);
      },
    });
    continue;
  }
  const mod = await import(new URL("fixture.ts", base).href) as { fixture: () => Promise<Fixture> };
  for (const file of files) {
    const doc = parse(await Deno.readTextFile(new URL(file, base))) as {
      ignore?: string;
      vector?: Vector[];
    };
    Deno.test({
      name: `vectors ${dir.name}/${file}`,
      ignore: doc.ignore !== undefined,
      async fn(t) {
        const fx = await mod.fixture();
        const first = fx.spec.agents[0].name;
        for (const v of doc.vector ?? []) {
          await t.step(v.name, async () => {
            const agent = v.agent ?? first;
            const got = await fx.call(agent, v.request, v.capacity ?? 4096);
            assertEquals(toHex(got), toHex(hex(v.reply)), `${file}: ${v.name}`);
            if (v.p2a !== undefined) {
              // Wait for the messages the vector expects, then a turn for any it does not (a
              // surplus fails the comparison below).
              const queued = fx.session(agent).p2a;
              const want = v.p2a.length;
              await until(() => (queued?.length ?? 0) >= want, `${v.name}: ${want} p2a message(s)`);
              if (v.settleMs) await turn();
              assertEquals(
                fx.drain(agent).map(toHex),
                v.p2a.map((m) => toHex(hex(m))),
                `${file}: ${v.name} (p2a)`,
              );
            }
          });
        }
      },
    });
  }
}
