/**
 * `vscmi new board NAME`: a board manifest backed by the sim driver, and a minimal deployment
 * beside it that grants it to one agent, so `vscmi check` can check both.
 * @module
 */
import type { ApiPath, Names } from "./names.ts";
import { readme } from "./readme.ts";

/** The files of a board scaffold, by name. */
export function boardFiles(n: Names, api: ApiPath): Record<string, string> {
  return {
    "board.toml":
      `# The "${n.name}" board, simulated: replace the sim driver with your board's driver
# type when you have one. Keys per kind are listed in boards/sim.toml of vscmi.
[board]
name = "${n.dashed}"

[[driver]]
name = "sim"
type = "sim"

[[clock]]
id = 0
name = "${n.name.replaceAll("-", "_")}_clk"
rates = ["24MHz", "48MHz", "96MHz"]

[[reset]]
id = 0
name = "${n.name.replaceAll("-", "_")}_rst"

[[power]]
id = 0
name = "${n.name.replaceAll("-", "_")}_pd"

[[device]]
id = 0
name = "${n.name.replaceAll("-", "_")}_dev"
clocks = ["${n.name.replaceAll("-", "_")}_clk"]
resets = ["${n.name.replaceAll("-", "_")}_rst"]
power_domains = ["${n.name.replaceAll("-", "_")}_pd"]
`,
    "vscmi.toml": `# A minimal deployment of the "${n.name}" board: vm1 gets its one device.
board = "board.toml"

[platform]
state_dir = false

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock", "reset", "power"]
devices = ["${n.name.replaceAll("-", "_")}_dev"]
`,
    "README.md": readme(
      `The "${n.name}" board`,
      [
        "A board manifest scaffolded by `vscmi new board`, backed by the sim driver, and a",
        "minimal deployment (`vscmi.toml`) that grants its device to one agent.",
      ],
      "vscmi check vscmi.toml",
      { ...api, outside: false, root: api.root },
    ).replace(/\n## Imports[\s\S]*$/, ""),
  };
}
