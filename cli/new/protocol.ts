/**
 * `vscmi new protocol NAME`: a vendor protocol with a resource kind of its own (one board key,
 * `level`), PROTOCOL_ATTRIBUTES counting the agent's resources, one GET command, a `call` verb,
 * the simulated driver that serves the kind, a board and deployment, and a Harness test.
 * @module
 */
import type { ApiPath, Names } from "./names.ts";
import { readme } from "./readme.ts";

/** The files of a protocol scaffold, by name, for protocol id `id` (0x80–0xFF). */
export function protocolFiles(n: Names, id: number, api: ApiPath): Record<string, string> {
  const r = api.root;
  const hex = `0x${id.toString(16)}`;
  return {
    "mod.ts": `/**
 * The "${n.name}" protocol (${hex}), version 1.0, with a resource kind of its own: \`[[${n.name}]]\`
 * in a board (key \`level\`), \`${n.name}s = […]\` in an agent.
 *
 * Commands: PROTOCOL_VERSION (0x0) and PROTOCOL_MESSAGE_ATTRIBUTES (0x2) come with every
 * protocol; PROTOCOL_ATTRIBUTES (0x1) → status, u32 whose bits 15:0 count the ${n.name}s the
 * agent sees; ${n.upper}_GET (0x3, id u32) → status, level u32 as the driver reports it.
 * @module
 */
import {
  API_MAJOR,
  defineDriver,
  defineKind,
  defineProtocol,
  field,
  hwClass,
} from "${r}mod.ts";
import type { ResourceDesc } from "${r}mod.ts";
import { ${n.camel}Call } from "./call.ts";
import { ${n.upper}_PROTOCOL, ${n.pascal}Msg } from "./msg.ts";

export { ${n.upper}_PROTOCOL, ${n.pascal}Msg };

/** A ${n.name} as the board describes it. */
export interface ${n.pascal}Desc extends ResourceDesc {
  /** Its level at start. */
  level: number;
}

/** What a driver implements for ${n.name}s (physical ids). */
export interface ${n.pascal}Hw {
  /** The current level of ${n.name} \`id\`. */
  level(id: number): number;
}

/** The ${n.name} kind. */
export const ${n.camel}Kind = defineKind({
  name: "${n.name.replaceAll("-", "_")}",
  noun: "${n.name}",
  member: "${n.name.replaceAll("-", "_")}s",
  hw: hwClass<${n.pascal}Hw>("${n.name.replaceAll("-", "_")}"),
  fields: {
    level: field.int(0, 0xffff_ffff, "a level from 0 to 4294967295"),
  },
  convert: (_c, _p, base, t): ${n.pascal}Desc => ({ ...base, level: t.level }),
});

/** The ${n.name} protocol. */
export const protocol = defineProtocol({
  api: API_MAJOR,
  id: ${n.upper}_PROTOCOL,
  name: "${n.name}",
  versions: [0x10000],
  kinds: [${n.camel}Kind],
  call: ${n.camel}Call,
  commands: {
    [${n.pascal}Msg.PROTOCOL_ATTRIBUTES]: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (ctx, m) => m.w.u32(Math.min(ctx.ids("${n.name.replaceAll("-", "_")}").count, 0xffff)),
    },
    [${n.pascal}Msg.GET]: {
      name: "${n.upper}_GET",
      params: 4,
      resource: "${n.name.replaceAll("-", "_")}",
      a2p: "id",
      run: (ctx, m) => m.w.u32(${n.camel}Kind.hwOf(ctx.hw)[m.res]!.level(m.res)),
    },
  },
});

export default protocol;

/** The simulated driver (\`type = "${n.dashed}-sim"\`): each ${n.name} stays at its board level. */
export const ${n.camel}Driver = defineDriver({
  api: API_MAJOR,
  name: "${n.dashed}-sim",
  summary: "${n.name}s held at their board level",
  options: {},
  create: ({ name, board }) => ({
    name,
    ${n.name.replaceAll("-", "_")}: {
      level: (id: number) => ${n.camel}Kind.find(board, id)?.level ?? 0,
    } satisfies ${n.pascal}Hw,
  }),
});
`,
    "msg.ts": `/**
 * Wire constants of the "${n.name}" protocol, shared by the handlers and the \`call\` verbs.
 * @module
 */

/** The protocol id (vendor range 0x80–0xFF). */
export const ${n.upper}_PROTOCOL = ${hex};

/** Message ids. */
export const ${n.pascal}Msg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  GET: 0x3,
} as const;
`,
    "call.ts": `/**
 * \`vscmi call … ${n.name} …\`: the "${n.name}" protocol from the agent's side.
 * @module
 */
import { type CallVerbs, commonCommands, parseU32 } from "${r}client/mod.ts";
import { ${n.upper}_PROTOCOL, ${n.pascal}Msg } from "./msg.ts";

/** The protocol's verbs: the common ones, \`count\` and \`get ID\`. */
export const ${n.camel}Call: CallVerbs = {
  summary: \`the "${n.name}" vendor protocol (0x\${${n.upper}_PROTOCOL.toString(16)})\`,
  commands: [
    ...commonCommands(),
    {
      name: "count",
      summary: "How many ${n.name}s this agent sees",
      message: ${n.pascal}Msg.PROTOCOL_ATTRIBUTES,
      async run(ctx) {
        const count = (await ctx.call(${n.pascal}Msg.PROTOCOL_ATTRIBUTES)).u32() & 0xffff;
        return { text: String(count), json: { count } };
      },
    },
    {
      name: "get",
      args: "ID",
      arity: [1, 1],
      summary: "The level of ${n.name} ID",
      message: ${n.pascal}Msg.GET,
      async run(ctx, [text]) {
        const id = parseU32(text, "${n.pascal} id");
        const level = (await ctx.call(${n.pascal}Msg.GET, [id])).u32();
        return { text: String(level), json: { id, level } };
      },
    },
  ],
};
`,
    "board.toml":
      `# A board for the "${n.name}" protocol: two ${n.name}s served by its simulated driver.
[board]
name = "${n.dashed}-board"

[[driver]]
name = "${n.dashed}"
type = "${n.dashed}-sim"

[[${n.name.replaceAll("-", "_")}]]
id = 0
name = "${n.name.replaceAll("-", "_")}_a"
level = 1000

[[${n.name.replaceAll("-", "_")}]]
id = 1
name = "${n.name.replaceAll("-", "_")}_b"
level = 2000
`,
    "vscmi.toml": `# A deployment of the "${n.name}" protocol: vm1 sees one ${n.name}, vm2 both.
board = "board.toml"

[platform]
plugins = ["mod.ts"]
state_dir = false

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["${n.name}"]
${n.name.replaceAll("-", "_")}s = ["${n.name.replaceAll("-", "_")}_b"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["${n.name}"]
${n.name.replaceAll("-", "_")}s = ["${n.name.replaceAll("-", "_")}_a", "${
      n.name.replaceAll("-", "_")
    }_b"]
`,
    [`${n.name.replaceAll("-", "_")}_test.ts`]: `/**
 * The "${n.name}" protocol served from its deployment (\`vscmi.toml\`), as its agents see it.
 * @module
 */
import { deepStrictEqual, rejects } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Status } from "${r}mod.ts";
import { Harness } from "${r}testing/mod.ts";
import { scripted, StatusError, unexpected } from "${r}client/mod.ts";
import ${n.camel}Protocol, { ${n.upper}_PROTOCOL, ${n.camel}Driver, ${n.pascal}Msg } from "./mod.ts";

const manifest = fileURLToPath(new URL("./vscmi.toml", import.meta.url));
const P = ${n.upper}_PROTOCOL;

Deno.test("${n.name}: each agent counts and reads only the ${n.name}s it was granted", async () => {
  const h = await Harness.load(manifest, { drivers: [${n.camel}Driver] });
  try {
    const version = await h.send("vm1", P, 0x0);
    deepStrictEqual([version.status, version.words()], [Status.SUCCESS, [0x10000]]);
    const one = await h.send("vm1", P, ${n.pascal}Msg.PROTOCOL_ATTRIBUTES);
    deepStrictEqual([one.status, one.words()], [Status.SUCCESS, [1]]);
    const two = await h.send("vm2", P, ${n.pascal}Msg.PROTOCOL_ATTRIBUTES);
    deepStrictEqual([two.status, two.words()], [Status.SUCCESS, [2]]);
    // vm1's id 0 is the board's ${n.name}_b (level 2000); it has no id 1.
    const got = await h.send("vm1", P, ${n.pascal}Msg.GET, [0]);
    deepStrictEqual([got.status, got.words()], [Status.SUCCESS, [2000]]);
    const hidden = await h.send("vm1", P, ${n.pascal}Msg.GET, [1]);
    deepStrictEqual([hidden.status, hidden.payload.length], [Status.NOT_FOUND, 0]);
    const first = await h.send("vm2", P, ${n.pascal}Msg.GET, [0]);
    deepStrictEqual([first.status, first.words()], [Status.SUCCESS, [1000]]);
  } finally {
    await h.close();
  }
});

Deno.test("${n.name}: a short or unknown message gets its status", async () => {
  const h = await Harness.load(manifest, { drivers: [${n.camel}Driver] });
  try {
    deepStrictEqual((await h.send("vm1", P, ${n.pascal}Msg.GET, [])).status, Status.PROTOCOL_ERROR);
    deepStrictEqual((await h.send("vm1", P, 0x7)).status, Status.NOT_SUPPORTED);
  } finally {
    await h.close();
  }
});

Deno.test("${n.name}: \`vscmi call … ${n.name} get ID\` sends ${n.upper}_GET and reads the level", async () => {
  const s = scripted(
    ${n.camel}Protocol,
    (id, params) =>
      id === ${n.pascal}Msg.GET && params[0] === 2
        ? [1500]
        : id === ${n.pascal}Msg.GET
        ? { status: Status.NOT_FOUND }
        : unexpected(id, params),
  );
  const out = await s.run("get", ["2"]);
  deepStrictEqual([out.text, out.json], ["1500", { id: 2, level: 1500 }]);
  deepStrictEqual(s.sent, [{ id: ${n.pascal}Msg.GET, params: [2] }]);
  await rejects(s.run("get", ["5"]), StatusError);
});
`,
    "README.md": readme(
      `The "${n.name}" protocol (${hex})`,
      [
        "A vendor protocol scaffolded by `vscmi new protocol`. `mod.ts` holds the resource kind",
        `(\`[[${n.name}]]\` tables with a \`level\` key), the handlers, and \`${n.dashed}-sim\`, the driver`,
        "that serves the kind; `msg.ts` its wire constants; `call.ts` its `vscmi call` verbs",
        "(`count`, `get ID`); `board.toml` and `vscmi.toml` a board and a deployment using it.",
      ],
      `deno test -A ${n.name.replaceAll("-", "_")}_test.ts`,
      api,
    ),
  };
}
