/**
 * Names and paths for `vscmi new`: what a scaffolded name may be, the identifiers made from it,
 * and the relative import of the API from the generated folder.
 * @module
 */
import { relative, sep } from "node:path";
import { UsageError } from "../args.ts";

/** The identifiers a template uses for one scaffolded name. */
export interface Names {
  /** As typed: `fan_ctl`. */
  readonly name: string;
  /** camelCase: `fanCtl`. */
  readonly camel: string;
  /** PascalCase: `FanCtl`. */
  readonly pascal: string;
  /** UPPER_SNAKE: `FAN_CTL`. */
  readonly upper: string;
  /** With `-` for `_`, for driver and transport type names: `fan-ctl`. */
  readonly dashed: string;
}

/** Checks `name` (lower-case letters, digits, `_` or `-` between words) and derives the rest. */
export function namesOf(name: string): Names {
  if (!/^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/.test(name) || name.length > 31) {
    throw new UsageError(
      `Expected NAME to be lower-case letters and digits, words joined by "_" or "-", ` +
        `at most 31 characters, got "${name}"`,
    );
  }
  const words = name.split(/[_-]/);
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return {
    name,
    camel: pascal[0].toLowerCase() + pascal.slice(1),
    pascal,
    upper: words.join("_").toUpperCase(),
    dashed: words.join("-"),
  };
}

/** Where the generated folder imports the API from. */
export interface ApiPath {
  /** Relative path from the folder to the repository root, ending in `/`: `../../`. */
  readonly root: string;
  /** Whether the folder lies outside the repository tree. */
  readonly outside: boolean;
  /** The repository root, absolute. */
  readonly repo: string;
}

/** The relative import prefix from `folder` to the repository at `repo` (both absolute). */
export function apiPath(folder: string, repo: string): ApiPath {
  const rel = relative(folder, repo).split(sep).join("/");
  return {
    root: rel === "" ? "./" : `${rel}/`,
    outside: !relative(repo, folder).startsWith("..") ? false : true,
    repo,
  };
}
