/**
 * Pins and pin groups of the downstream platform, by its ids: configurations and the
 * function selected are set with PINCTRL_SETTINGS_CONFIGURE and remembered (every setting
 * read with PINCTRL_SETTINGS_GET at start); a group's setting is its pins' too.
 * @module
 */
import { groupKind, pinKind } from "../../../plugins/pinctrl/kind.ts";
import { NO_FUNCTION, type PinctrlHw, type PinTarget } from "../../../plugins/pinctrl/hw.ts";
import {
  ConfigFlag,
  NO_FUNCTION_ID,
  PinctrlMsg,
  Selector,
  SettingsConfigure,
  SettingsGet,
} from "../../../plugins/pinctrl/msg.ts";
import type { Board } from "../../../core/board.ts";
import type { Link } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The pin control protocol's id. */
export const PINCTRL = 0x19;

interface Settings {
  fn: number;
  configs: Map<number, number>;
  types: readonly number[];
}

const SELECTOR: Record<PinTarget, number> = { pin: Selector.PIN, group: Selector.GROUP };

/** The pins and groups of `board` that driver instance `name` backs, through `link`. */
export async function createForwardPinctrl(
  link: Link,
  replay: Replay,
  board: Board,
  name: string,
): Promise<PinctrlHw> {
  const settings = new Map<string, Settings>();
  const groupPins = new Map<number, number[]>();
  const read = async (target: PinTarget, id: number) => {
    const configs = new Map<number, number>();
    let fn = NO_FUNCTION;
    for (let skip = 0;;) {
      const attrs = (ConfigFlag.ALL << SettingsGet.FLAG_SHIFT) |
        (SELECTOR[target] << SettingsGet.SELECTOR_SHIFT) | (skip << SettingsGet.SKIP_SHIFT);
      const p = await link.call(PINCTRL, PinctrlMsg.PINCTRL_SETTINGS_GET, [id, attrs]);
      const selected = p.u32();
      fn = selected === NO_FUNCTION_ID ? NO_FUNCTION : selected;
      const num = p.u32();
      const got = num & 0xff;
      for (let i = 0; i < got; i++) configs.set(p.u32(), p.u32());
      skip += got;
      if (num >>> 24 === 0 || got === 0) break;
    }
    settings.set(`${target}:${id}`, {
      fn,
      configs,
      types: [...configs.keys()].sort((a, b) => a - b),
    });
  };
  for (const p of pinKind.of(board).filter((p) => p.driver === name)) await read("pin", p.id);
  for (const g of groupKind.of(board).filter((g) => g.driver === name)) {
    groupPins.set(g.id, g.pins);
    await read("group", g.id);
  }
  /** The settings a change to `target` `id` touches: its own, and a group's pins'. */
  const touched = (target: PinTarget, id: number) =>
    [
      settings.get(`${target}:${id}`),
      ...(target === "group" ? groupPins.get(id) ?? [] : []).map((p) => settings.get(`pin:${p}`)),
    ].filter((s): s is Settings => s !== undefined);
  return {
    configTypes: (target, id) => settings.get(`${target}:${id}`)?.types ?? [],
    getConfig: (target, id, type) => settings.get(`${target}:${id}`)?.configs.get(type) ?? 0,
    async setConfigs(target, id, pairs, count) {
      const words = Array.from({ length: count * 2 }, (_, i) => pairs[i]);
      const params = [
        id,
        NO_FUNCTION_ID,
        SELECTOR[target] | (count << SettingsConfigure.COUNT_SHIFT),
        ...words,
      ];
      const types = Array.from({ length: count }, (_, i) => pairs[2 * i]).join(",");
      const key = `pinctrl.${target}.${id}.configs.${types}`;
      await replay.write(key, PINCTRL, PinctrlMsg.PINCTRL_SETTINGS_CONFIGURE, params);
      for (const s of touched(target, id)) {
        for (let i = 0; i < count; i++) s.configs.set(pairs[2 * i], pairs[2 * i + 1]);
      }
    },
    getFunction: (target, id) => settings.get(`${target}:${id}`)?.fn ?? NO_FUNCTION,
    async setFunction(target, id, fn) {
      const params = [
        id,
        fn === NO_FUNCTION ? NO_FUNCTION_ID : fn,
        SELECTOR[target] | SettingsConfigure.FUNCTION_VALID,
      ];
      const key = `pinctrl.${target}.${id}.function`;
      await replay.write(key, PINCTRL, PinctrlMsg.PINCTRL_SETTINGS_CONFIGURE, params);
      for (const s of touched(target, id)) s.fn = fn;
    },
  };
}
