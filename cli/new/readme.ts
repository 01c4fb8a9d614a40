/**
 * The README stub every scaffold gets: what the folder holds, how to run its test, and where
 * the API comes from (a note on an import map when the folder is outside the repository).
 * @module
 */
import type { ApiPath } from "./names.ts";

/** `text` wrapped at 100 columns, as `deno fmt` wraps prose. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}

/** A README stub: `title`, `body` paragraphs, then the test command and the import note. */
export function readme(title: string, body: string[], test: string, api: ApiPath): string {
  const imports = api.outside
    ? [
      "## Imports",
      "",
      wrap(
        "This folder is outside the vscmi repository. Its modules import the API by a relative " +
          `path to the checkout it was generated from (${api.repo}); \`deno.json\` here maps ` +
          "the npm packages the API uses, as that checkout pins them, and the API itself by " +
          'name ("@vscmi/vscmi", "@vscmi/vscmi/testing", "@vscmi/vscmi/client"). If you move ' +
          "the folder or the checkout, fix the paths there and in the imports, or import the " +
          "API by those names instead.",
      ),
      "",
    ]
    : [
      "## Imports",
      "",
      wrap(
        "The modules import the API by a relative path to the repository's `mod.ts` " +
          `(${api.root}mod.ts).`,
      ),
      "",
    ];
  return [
    `# ${title}`,
    "",
    wrap(body.join(" ")),
    "",
    "## Test",
    "",
    "```sh",
    test,
    "```",
    "",
    ...imports,
  ].join("\n");
}
