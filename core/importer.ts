/**
 * Importers: what turns another program's configuration (a hypervisor's device list, its id
 * maps) into a vscmi deployment, and a board when none is given. A driver or transport type
 * contributes them (`importers`); `vscmi import NAME FILE` runs the one named NAME and names
 * no format itself.
 * @module
 */
import type { Board } from "./board.ts";
import type { Logger } from "./log.ts";

/** One file an importer writes. */
export interface ImportedFile {
  /** Where it goes (absolute, or relative to the working directory). */
  readonly path: string;
  /** Its text. */
  readonly text: string;
}

/** What an importer is given. */
export interface ImportRequest {
  /** The configuration file, as the user named it (errors name it so). */
  readonly input: string;
  /** Its text. */
  readonly text: string;
  /** Where the deployment goes; files it refers to are written beside it. */
  readonly out: string;
  /** `--board FILE`: the board whose physical ids the configuration's ids are, loaded. */
  readonly board?: { readonly path: string; readonly board: Board };
  /** The importer's own flags (`Importer.flags`), true when given. */
  readonly flags: Readonly<Record<string, boolean>>;
  /** Where warnings go (what was dropped, what to check). */
  readonly log: Logger;
}

/** A format `vscmi import` converts. */
export interface Importer {
  /** `vscmi import NAME …`: lower-case letters, digits and '-'. */
  readonly name: string;
  /** One line for `vscmi import --help`. */
  readonly summary: string;
  /** The input's name in usage lines (`CONFIG.json`). */
  readonly input: string;
  /** Boolean flags it takes (`scmi-only` → `--scmi-only`), name → one-line description. */
  readonly flags?: Readonly<Record<string, string>>;
  /**
   * The files to write, the deployment first. Throws {@linkcode ImportError} naming the file
   * and the place in it for input it cannot convert; writes nothing itself.
   */
  convert(req: ImportRequest): ImportedFile[] | Promise<ImportedFile[]>;
}

/** Input an importer cannot convert, located: `FILE: PLACE: what is wrong and what to do`. */
export class ImportError extends Error {
  /** The configuration file. */
  readonly file: string;
  /** Where in it (a JSON path such as `zones[0].devices[1].irq`), or "". */
  readonly place: string;
  /**
   * Makes the error; its message is `FILE: PLACE: message`.
   *
   * @param file The configuration file.
   * @param place Where in it, or "".
   * @param message What is wrong and what to do.
   */
  constructor(file: string, place: string, message: string) {
    super(`${file}: ${place ? `${place}: ` : ""}${message}`);
    this.name = "ImportError";
    this.file = file;
    this.place = place;
  }
}
