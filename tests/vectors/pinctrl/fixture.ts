/**
 * The platform the Pin control protocol vectors run against: 16 pins, 5 groups and 5
 * functions on the `sim` driver, and four agents with different grants, virtual orders,
 * rights and message sizes.
 *
 * | pins  | names                                          | power-on                    |
 * | ----- | ---------------------------------------------- | --------------------------- |
 * | 0–3   | `uart0_tx` `uart0_rx` `uart1_tx` `uart1_rx`    | all 0, no function          |
 * | 4, 5  | `i2c0_scl` `i2c0_sda`                          | pulled up, open drain; i2c  |
 * | 6–9   | `spi0_clk` `spi0_mosi` `spi0_miso` `spi0_cs`   | all 0; pin 9 OEM 0xC0 = 5   |
 * | 10–14 | `uart1_rts` `uart1_cts` `gpio12`–`gpio14`      | all 0                       |
 * | 15    | `board_power_led_enable_pin` (extended name)   | all 0                       |
 *
 * | group | name                         | pins       |
 * | ----- | ---------------------------- | ---------- |
 * | 0     | `uart0`                      | 0, 1       |
 * | 1     | `uart1`                      | 2, 3       |
 * | 2     | `i2c0`                       | 4, 5       |
 * | 3     | `spi0`                       | 6, 7, 8, 9 |
 * | 4     | `uart1_flow_control_signals` | 10, 11     |
 *
 * | function | name                       | associates                     |
 * | -------- | -------------------------- | ------------------------------ |
 * | 0        | `uart`                     | groups 0, 1                    |
 * | 1        | `i2c`                      | group 2                        |
 * | 2        | `spi`                      | group 3                        |
 * | 3        | `gpio`                     | pins 0–15 (pin-only, GPIO bit) |
 * | 4        | `uart1_hw_flow_control_fn` | group 4                        |
 *
 * | agent (id) | trusted | pins, virtual 0.. (physical) | groups   | functions  | max msg |
 * | ---------- | ------- | ---------------------------- | -------- | ---------- | ------- |
 * | hyp (1)    | yes     | 0–15                         | 0–4      | 0–4        | 128     |
 * | vm1 (2)    | no      | 3, 2, 10, 11, 0, 1           | 1, 4, 0  | 4, 0, 3    | 128     |
 * | vm2 (3)    | no      | 4, 5, 6ʳ, 7ʳ, 8ʳ, 9ʳ, 0, 1   | 2, 3ʳ, 0 | 1, 2, 3, 0 | 128     |
 * | small (4)  | no      | 0–15                         | 3        | 3          | 16      |
 *
 * ʳ read-only. Every agent speaks Pin control 1.0.
 * @module
 */
import { emptyBoard } from "../../../core/board.ts";
import type { FunctionDesc, GroupDesc, PinDesc } from "../../../plugins/pinctrl/kind.ts";
import { ALL_RIGHTS } from "../../../core/grants.ts";
import { PinConfig } from "../../../plugins/pinctrl/hw.ts";
import { Right } from "../../../core/protocol.ts";
import { type Fixture, fixture as build } from "../../harness.ts";

const PIN_NAMES = [
  "uart0_tx",
  "uart0_rx",
  "uart1_tx",
  "uart1_rx",
  "i2c0_scl",
  "i2c0_sda",
  "spi0_clk",
  "spi0_mosi",
  "spi0_miso",
  "spi0_cs",
  "uart1_rts",
  "uart1_cts",
  "gpio12",
  "gpio13",
  "gpio14",
  "board_power_led_enable_pin",
];

const I2C_PIN = { [PinConfig.BIAS_PULL_UP]: 1, [PinConfig.DRIVE_OPEN_DRAIN]: 1 };

/** The board's pins, by physical id. */
export const PINS: PinDesc[] = PIN_NAMES.map((name, id) => {
  const pin: PinDesc = { id, name, driver: "sim" };
  if (id === 4 || id === 5) return { ...pin, config: I2C_PIN, function: 1 };
  if (id === 9) return { ...pin, config: { 0xc0: 5 } };
  return pin;
});

/** The board's groups, by physical id. */
export const GROUPS: GroupDesc[] = [
  { id: 0, name: "uart0", driver: "sim", pins: [0, 1] },
  { id: 1, name: "uart1", driver: "sim", pins: [2, 3] },
  { id: 2, name: "i2c0", driver: "sim", pins: [4, 5] },
  { id: 3, name: "spi0", driver: "sim", pins: [6, 7, 8, 9] },
  { id: 4, name: "uart1_flow_control_signals", driver: "sim", pins: [10, 11] },
];

/** The board's functions, by physical id. */
export const FUNCTIONS: FunctionDesc[] = [
  { id: 0, name: "uart", driver: "sim", groups: [0, 1] },
  { id: 1, name: "i2c", driver: "sim", groups: [2] },
  { id: 2, name: "spi", driver: "sim", groups: [3] },
  {
    id: 3,
    name: "gpio",
    driver: "sim",
    groups: [],
    pins: PIN_NAMES.map((_, i) => i),
    gpio: true,
  },
  { id: 4, name: "uart1_hw_flow_control_fn", driver: "sim", groups: [4] },
];

const ALL_PINS = PIN_NAMES.map((_, i) => i);

/** A fresh platform with the board and agents above, every session open. */
export function fixture(): Promise<Fixture> {
  const board = emptyBoard("pinctrl-vectors");
  board.resources.pin = PINS.map((p) => ({ ...p }));
  board.resources.group = GROUPS.map((g) => ({ ...g, pins: [...g.pins] }));
  board.resources.function = FUNCTIONS.map((f) => ({ ...f, groups: [...f.groups] }));
  const R = Right.READ;
  const A = ALL_RIGHTS;
  return build({
    board,
    agents: [
      {
        name: "hyp",
        trusted: true,
        protocols: { 0x19: undefined },
        grants: { pin: ALL_PINS, group: [0, 1, 2, 3, 4], function: [0, 1, 2, 3, 4] },
      },
      {
        name: "vm1",
        protocols: { 0x19: undefined },
        grants: { pin: [3, 2, 10, 11, 0, 1], group: [1, 4, 0], function: [4, 0, 3] },
      },
      {
        name: "vm2",
        protocols: { 0x19: undefined },
        grants: { pin: [4, 5, 6, 7, 8, 9, 0, 1], group: [2, 3, 0], function: [1, 2, 3, 0] },
        rights: { pin: [A, A, R, R, R, R, A, A], group: [A, R, A] },
      },
      {
        name: "small",
        maxMsgSize: 16,
        protocols: { 0x19: undefined },
        grants: { pin: ALL_PINS, group: [3], function: [3] },
      },
    ],
  });
}
