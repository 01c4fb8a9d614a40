/**
 * `vscmi new protocol|driver|transport|board NAME [--dir DIR]`: writes a folder `DIR/NAME`
 * (default `./NAME`) holding a module, its manifests, a README stub and a test that passes as
 * generated. Modules import the API by a relative path to this repository's `mod.ts`.
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CommandError, Exit, parse, str, UsageError } from "../args.ts";
import { apiPath, namesOf } from "./names.ts";
import { protocolFiles } from "./protocol.ts";
import { DRIVER_KINDS, driverFiles } from "./driver.ts";
import { transportFiles } from "./transport.ts";
import { boardFiles } from "./board.ts";

/** Keep in step with the copy in `main.ts`. */
export const NEW_USAGE =
  "vscmi new (protocol [--id 0x80–0xFF] | driver [--kind reset|power] | transport | board) " +
  "NAME [--dir DIR]";

const WHAT = ["protocol", "driver", "transport", "board"];

function help(): string {
  return [
    `Usage: ${NEW_USAGE}`,
    "",
    "Writes the folder DIR/NAME (DIR defaults to the current directory), which must not exist",
    "or be empty:",
    "  protocol   a vendor protocol (id --id, default 0x80) with a resource kind of its own,",
    "             PROTOCOL_ATTRIBUTES, one GET command, a `call` verb, a simulated driver,",
    "             a board, a deployment and a test",
    "  driver     a board driver type backing a built-in kind (--kind, default reset), a",
    "             board, a deployment and a test",
    "  transport  a transport type (Unix socket, length-framed) and its test",
    "  board      a board manifest backed by the sim driver and a deployment `vscmi check`",
    "             accepts",
    "Each folder has a README stub. Modules import the API by a relative path to this",
    "checkout's mod.ts; outside the repository the README says how to map it instead.",
  ].join("\n");
}

/** The repository root: where `mod.ts` is. */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Runs `vscmi new …` for the checkout at `repo` (default: the one this module is in);
 * resolves to the exit code.
 */
export async function newCommand(args: string[], repo = REPO): Promise<number> {
  const { values, positionals } = parse(args, {
    dir: { type: "string" },
    id: { type: "string" },
    kind: { type: "string" },
  });
  if (values.help) {
    console.log(help());
    return Exit.OK;
  }
  const [what, name, ...extra] = positionals;
  if (!WHAT.includes(what ?? "")) {
    throw new UsageError(`Expected what to make (${WHAT.join(", ")}), got ${what ?? "nothing"}`);
  }
  if (name === undefined) throw new UsageError(`Expected a NAME for the new ${what}`);
  if (extra.length) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  if (values.id !== undefined && what !== "protocol") {
    throw new UsageError(`Option "--id" is for "new protocol" only`);
  }
  if (values.kind !== undefined && what !== "driver") {
    throw new UsageError(`Option "--kind" is for "new driver" only`);
  }
  const n = namesOf(name);
  await sourceCheckout(repo);
  const folder = resolve(str(values, "dir") ?? ".", name);
  const api = apiPath(folder, repo);
  let files: Record<string, string>;
  switch (what) {
    case "protocol":
      files = protocolFiles(n, protocolId(str(values, "id")), api);
      break;
    case "driver": {
      const kind = str(values, "kind") ?? "reset";
      if (!DRIVER_KINDS.includes(kind)) {
        throw new UsageError(
          `Expected --kind to be one of ${DRIVER_KINDS.join(", ")}, got "${kind}"`,
        );
      }
      files = driverFiles(n, kind, api);
      break;
    }
    case "transport":
      files = transportFiles(n, api);
      break;
    default:
      files = boardFiles(n, api);
  }
  if (api.outside && what !== "board") files["deno.json"] = await outsideConfig(repo);
  await emptyFolder(folder);
  for (const [file, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(folder, file), text);
  }
  console.log(`Wrote ${what} "${name}" to ${folder}:`);
  for (const file of Object.keys(files)) console.log(`  ${file}`);
  return Exit.OK;
}

/**
 * The `deno.json` of a folder outside the repository: the npm packages the API imports, as
 * this checkout's `deno.json` pins them, and the API's own entry points by name.
 */
async function outsideConfig(repo: string): Promise<string> {
  const own = JSON.parse(await Deno.readTextFile(join(repo, "deno.json")));
  const imports: Record<string, string> = {
    ...own.imports,
    "@vscmi/vscmi": join(repo, "mod.ts"),
    "@vscmi/vscmi/testing": join(repo, "testing/mod.ts"),
    "@vscmi/vscmi/client": join(repo, "client/mod.ts"),
  };
  return JSON.stringify({ imports }, null, 2) + "\n";
}

/**
 * Fails unless this program runs from a vscmi source checkout: generated code imports its
 * `mod.ts` (a bundled or compiled program has none beside it).
 */
async function sourceCheckout(repo: string): Promise<void> {
  try {
    await Deno.stat(join(repo, "mod.ts"));
  } catch {
    throw new CommandError(
      `vscmi new writes code that imports the API from a vscmi source checkout, and none is ` +
        `here (no ${join(repo, "mod.ts")}): run it from the repository (deno task vscmi new …)`,
    );
  }
}

/** `--id`: a vendor protocol number, decimal or 0x hex, 0x80–0xFF (default 0x80). */
function protocolId(text: string | undefined): number {
  if (text === undefined) return 0x80;
  const id = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? +text : NaN;
  if (!(id >= 0x80 && id <= 0xff)) {
    throw new UsageError(`Expected --id to be a vendor protocol id 0x80–0xFF, got "${text}"`);
  }
  return id;
}

/** Creates `folder`, or accepts it when it exists and is empty. */
async function emptyFolder(folder: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(folder)) {
      throw new CommandError(`${folder} exists and is not empty: nothing was written`, Exit.FAIL);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    await Deno.mkdir(folder, { recursive: true });
  }
}
