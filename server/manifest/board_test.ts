/**
 * Board checks beyond the broken-manifest fixtures: each rule on a few lines of TOML, read
 * in memory, asserting `key.path: message` and the model produced.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { resetKind } from "../../plugins/reset/kind.ts";
import { perfKind } from "../../plugins/perf/kind.ts";
import { sensorKind } from "../../plugins/sensor/kind.ts";
import { powercapKind } from "../../plugins/powercap/kind.ts";
import { functionKind, groupKind } from "../../plugins/pinctrl/kind.ts";
import { parse } from "smol-toml";
import { assertEquals } from "../../core/_assert_test.ts";
import type { Board } from "../../core/board.ts";
import { simDriver } from "../../boards/drivers/sim.ts";
import { readBoard } from "./board.ts";
import { kindsOf } from "../../core/kind.ts";
import { PROTOCOLS } from "../../builtins.ts";
import type { Problem } from "../../core/manifest/problem.ts";
import { Source } from "../../core/manifest/toml.ts";

const HEAD = `[board]\nname = "t"\n[[driver]]\nname = "sim"\ntype = "sim"\n`;

function read(body: string, head = HEAD): { board: Board; problems: string[] } {
  const text = head + body;
  const problems: Problem[] = [];
  const src = new Source("/t.toml", text, parse(text) as Record<string, unknown>, problems);
  const { board } = readBoard(src, [simDriver], kindsOf(PROTOCOLS));
  return { board, problems: problems.map((p) => `${p.keyPath}: ${p.message}`) };
}

Deno.test("clock with both rates and range, or neither → one problem each", () => {
  assertEquals(
    read(
      `[[clock]]\nid = 0\nname = "a"\nrates = [1]\nrange = { min = 1, max = 2, step = 1 }\n` +
        `[[clock]]\nid = 1\nname = "b"\n`,
    ).problems,
    [
      "clock[0].range: Expected rates or range, got both",
      "clock[1]: Expected a rates array or a range table, got neither",
    ],
  );
});

Deno.test("clock listing itself as a parent, or a parent twice → problems at the entries", () => {
  assertEquals(
    read(
      `[[clock]]\nid = 0\nname = "a"\nrates = [1]\n` +
        `[[clock]]\nid = 1\nname = "b"\nrates = [1]\nparents = ["b", "a", "a"]\n`,
    ).problems,
    [
      'clock[1].parents[0]: Expected a clock other than this one, got "b"',
      'clock[1].parents[1]: Expected each clock listed once, got "a" again',
    ],
  );
});

Deno.test("clock config: duty cycle and OEM types, a reserved type and a repeat refused", () => {
  const ok = read(
    `[[clock]]\nid = 0\nname = "a"\nrates = [1]\n` +
      `config = [{ type = 1, value = 50 }, { type = 0x80, value = 7 }]\nenable_latency_us = 30\n`,
  );
  assertEquals(ok.problems, []);
  assertEquals(clockKind.of(ok.board)[0].oemConfig, [{ type: 1, value: 50 }, {
    type: 0x80,
    value: 7,
  }]);
  assertEquals(clockKind.of(ok.board)[0].enableLatencyUs, 30);
  assertEquals(
    read(
      `[[clock]]\nid = 0\nname = "a"\nrates = [1]\n` +
        `config = [{ type = 3, value = 0 }, { type = 1, value = 1 }, { type = 1, value = 2 }]\n`,
    )
      .problems,
    [
      "clock[0].config[0].type: Expected a configuration type: 1 (duty cycle), 2 (phase) or " +
      "0x80–0xFF, got 3",
      "clock[0].config[2].type: Expected each configuration type listed once, got 1",
    ],
  );
});

Deno.test("resources without any [[driver]] → problem at driver; unknown driver name", () => {
  assertEquals(read(`[[pin]]\nid = 0\nname = "p"\n`, `[board]\nname = "t"\n`).problems, [
    "driver: Expected a [[driver]] table to back the board's resources, got none",
  ]);
  assertEquals(read(`[[pin]]\nid = 0\nname = "p"\ndriver = "gpio"\n`).problems, [
    'pin[0].driver: Expected the name of a declared driver ("sim"), got "gpio"',
  ]);
});

Deno.test("missing [board] table and a top-level typo → problems with the known keys", () => {
  const { problems } = read(`[[clocks]]\nid = 0\n`, `[[driver]]\nname = "sim"\ntype = "sim"\n`);
  assertEquals(problems, [
    'clocks: Expected one of the keys "board", "driver", "device", "clock", "reset", "power", ' +
    '"perf", "sensor", "voltage", "pin", "group", "function", "powercap", got "clocks"',
    "board: Expected a [board] table with a name, got nothing",
  ]);
});

Deno.test("reset and power extra states: bit 31 for resets; ON, OFF and reserved bits refused", () => {
  const { board, problems } = read(
    `[[reset]]\nid = 0\nname = "r"\nstates = [0x80000002, 5]\n` +
      `[[power]]\nid = 0\nname = "p"\nstates = [1, 0x40000000, 0x10000000, 1]\n`,
  );
  assertEquals(problems, [
    "reset[0].states[1]: Expected an IMPLEMENTATION DEFINED reset state (bit 31 set), got 5",
    "power[0].states[1]: Expected a power-state word other than ON (0) and OFF (0x40000000) " +
    "with bits 31, 29 and 28 clear, got 1073741824",
    "power[0].states[2]: Expected a power-state word other than ON (0) and OFF (0x40000000) " +
    "with bits 31, 29 and 28 clear, got 268435456",
    "power[0].states[3]: Expected each state listed once, got 1",
  ]);
  assertEquals(resetKind.of(board)[0].states, [0x80000002, 5]);
});

Deno.test("perf: levels ascend, whole kHz, level among levels; defaults from the top level", () => {
  assertEquals(
    read(
      `[[perf]]\nid = 0\nname = "p"\n` +
        `levels = [{ level = 2, freq = "2MHz" }, { level = 1, freq = "1.0005MHz" }]\n`,
    ).problems,
    [
      "perf[0].levels[1].level: Expected a level above 2 (levels ascend), got 1",
      'perf[0].levels[1].freq: Expected a whole number of kHz, got "1.0005MHz"',
    ],
  );
  const { board, problems } = read(
    `[[perf]]\nid = 0\nname = "p"\nlevel_indexing = true\n` +
      `levels = [{ level = 1, freq = "1MHz" }, { level = 2, freq = "2MHz", power = 9 }]\n`,
  );
  assertEquals(problems, []);
  assertEquals(perfKind.of(board)[0], {
    id: 0,
    name: "p",
    driver: "sim",
    levels: [
      { level: 1, power: 0, latencyUs: 0, freqKhz: 1000 },
      { level: 2, power: 9, latencyUs: 0, freqKhz: 2000 },
    ],
    level: 2,
    sustainedFreqKhz: 2000,
    sustainedLevel: 2,
    rateLimitUs: 0,
    levelIndexing: true,
  });
  assertEquals(
    read(`[[perf]]\nid = 0\nname = "p"\nlevel = 3\nlevels = [{ level = 1, freq = "1MHz" }]\n`)
      .problems,
    ["perf[0].level: Expected one of the domain's levels (1), got 3"],
  );
});

Deno.test("sensor: names of types, sim kinds, interval segment and interval checks", () => {
  const { board, problems } = read(
    `[[sensor]]\nid = 0\nname = "s"\ntype = "kelvin"\naxes = 2\n` +
      `interval_segment = { min = 100, max = 1000, step = 100 }\ninterval_us = 300\n` +
      `sim = { kind = "steps", values = [1, 2], period_ms = 10 }\n` +
      `axis = [{ name = "s_x", type = 2 }, { sim = { kind = "noise", center = 5, amplitude = 1, seed = 3 } }]\n`,
  );
  assertEquals(problems, []);
  assertEquals(sensorKind.of(board)[0], {
    id: 0,
    name: "s",
    driver: "sim",
    type: 4,
    scale: 0,
    axes: 2,
    intervalsUs: [],
    async: false,
    sim: { kind: "steps", values: [1, 2], periodMs: 10 },
    intervalUs: 300,
    intervalSegment: { min: 100, max: 1000, step: 100 },
    axisDescs: [
      { name: "s_x", type: 2 },
      { sim: { kind: "noise", center: 5, amplitude: 1, seed: 3 } },
    ],
  });
  assertEquals(
    read(`[[sensor]]\nid = 0\nname = "s"\ntype = 300\nsim = { kind = "wave" }\n`).problems,
    [
      'sensor[0].type: Expected a sensor type from 0 to 255 or one of "none", "unspecified", ' +
      '"celsius", "fahrenheit", "kelvin", "volts", "amps", "watts", got 300',
      'sensor[0].sim.kind: Expected a table with kind = "constant", "ramp", "noise" or "steps", ' +
      'got "wave"',
    ],
  );
  assertEquals(
    read(
      `[[sensor]]\nid = 0\nname = "s"\ntype = 2\nintervals_us = [10, 20]\ninterval_us = 15\n` +
        `axis = [{}, {}]\n`,
    ).problems,
    [
      "sensor[0].interval_us: Expected one of the sensor's update intervals, got 15",
      "sensor[0].axis[1]: Expected at most 1 axis tables (axes = 1), got a table",
    ],
  );
});

Deno.test("voltage segment and powercap triplets: step must divide the span", () => {
  assertEquals(
    read(
      `[[voltage]]\nid = 0\nname = "v"\nsegment = { min = "1V", max = "0.5V", step = "1mV" }\n` +
        `[[powercap]]\nid = 0\nname = "c"\nmin_cap = "1W"\nmax_cap = "2W"\ncap_step = "300mW"\n` +
        `[[powercap]]\nid = 1\nname = "d"\nmin_cap = 1\nmax_cap = 1\ncap = 2\nparent = "d"\n`,
    )
      .problems,
    [
      'voltage[0].segment.max: Expected a maximum of at least 1000000 µV (the minimum), got "0.5V"',
      'powercap[0].cap_step: Expected a step that divides max - min (1000000 µW), got "300mW"',
      'powercap[1].parent: Expected a domain other than this one, got "d"',
      "powercap[1].cap: Expected a value from 1 to 1 µW in steps of 1 µW, got 2",
    ],
  );
  const { board } = read(`[[powercap]]\nid = 0\nname = "c"\nmin_cap = "1W"\nmax_cap = "2W"\n`);
  assertEquals(powercapKind.of(board)[0], {
    id: 0,
    name: "c",
    driver: "sim",
    minCap: 1_000_000,
    maxCap: 2_000_000,
    capStep: 1,
    cap: 2_000_000,
    minPai: 1000,
    maxPai: 1000,
    paiStep: 1,
    pai: 1000,
  });
});

Deno.test("pins, groups, functions and devices: members resolve across kinds, each once", () => {
  const { board, problems } = read(
    `[[pin]]\nid = 3\nname = "p3"\n[[pin]]\nid = 4\nname = "p4"\n` +
      `[[group]]\nid = 0\nname = "g"\npins = ["p4", "p3"]\n` +
      `[[function]]\nid = 0\nname = "f"\ngroups = ["g"]\n` +
      `[[device]]\nid = 9\nname = "d"\npins = ["p3", "p3"]\ngroups = ["g"]\nfunctions = ["f"]\n`,
  );
  assertEquals(problems, ['device[0].pins[1]: Expected each pin listed once, got "p3" again']);
  assertEquals(groupKind.of(board)[0].pins, [4, 3]);
  assertEquals(functionKind.of(board)[0].groups, [0]);
  assertEquals(board.devices, [{
    id: 9,
    name: "d",
    resources: { pin: [3], group: [0], function: [0] },
  }]);
});

Deno.test("a table whose shape is wrong is not reported again as an unresolved name", () => {
  assertEquals(
    read(
      `[[clock]]\nid = "x"\nname = "a"\nrates = [1]\n` +
        `[[clock]]\nid = 1\nname = "b"\nrates = [1]\nparents = ["a"]\n`,
    ).problems,
    ['clock[0].id: Expected an id from 0 to 65535, got "x"'],
  );
});
