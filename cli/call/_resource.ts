/**
 * Resource arguments shared by the `vscmi call` protocol modules: an id given as a number
 * (decimal or `0x` hex) or as the name the platform reports for it, and small printing
 * helpers for yes/no attributes.
 * @module
 */
import { CommandError, parseU32 } from "../args.ts";

/** Whether `text` is a number rather than a name. */
export function isNumber(text: string): boolean {
  return /^(0x[0-9a-f]+|\d+)$/i.test(text.trim());
}

/**
 * The agent's id of a resource named by number or by name. For a name, `names()` lists the
 * names the agent sees by id (one walk of the protocol's attribute commands).
 */
export async function resolveId(
  text: string,
  what: string,
  names: () => Promise<readonly string[]>,
): Promise<number> {
  if (isNumber(text)) return parseU32(text, `The ${what} id`);
  const all = await names();
  const i = all.indexOf(text);
  if (i < 0) {
    throw new CommandError(
      `No ${what} named "${text}" among the ${all.length} this agent sees (give an id or a name)`,
    );
  }
  return i;
}

/** "yes" / "no". */
export function yesNo(v: boolean): string {
  return v ? "yes" : "no";
}
