/** What `vscmi serve` and `vscmi check` print about a board: its resources in their kinds' nouns. */
import { assertEquals } from "../core/_assert_test.ts";
import type { Platform } from "../core/platform.ts";
import { loadBoard } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { boardResources } from "./summary.ts";

Deno.test("board resources → counted per kind in the noun each kind defines", async () => {
  const board = await loadBoard(new URL("../boards/sim.toml", import.meta.url).pathname, BUILTINS);
  assertEquals(
    boardResources({ board } as Platform),
    "28 clocks, 12 reset domains, 8 power domains, 4 performance domains, 6 sensors, " +
      "4 voltage domains, 16 pins, 8 pin groups, 6 pin functions, 2 power-capping domains, " +
      "16 devices",
  );
});
