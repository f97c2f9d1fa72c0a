// The register-map files runtime.yaml names with `profile_file`, read and compiled once per
// load (and per plugin), their outcome kept beside the loaded configuration so that
// resolveRuntime() does not read them again. The register-map reader (with the YAML library)
// is given: load_config.ts gives it when it loads; the CLI's path (_read_config.ts) loads it
// only for a configuration that names a `profile_file`. Private to src/runtime/config.
import { dirname, isAbsolute, join, resolve } from "../../_shared/path.ts";
import { ConfigError } from "../../errors/errors.ts";
import type { RegisterMapSource } from "../../parser/register_map_source.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";

/** readRegisterMapSource() of src/parser/register_map_read.ts. */
export type ReadRegisterMap = (text: string, file: string) => RegisterMapSource;

let readMap: ReadRegisterMap | undefined;

/** Give profile files their reader (the first one given stays). */
export function provideMapReader(read: ReadRegisterMap): void {
  readMap ??= read;
}

/** Load the register-map reader, and the YAML library with it, unless it is loaded. */
export async function loadMapReader(): Promise<void> {
  if (readMap === undefined) {
    provideMapReader((await import("../../parser/register_map_read.ts")).readRegisterMapSource);
  }
}

/** A profile file's outcome: the plugin of its one profile, or what is wrong. */
export type ProfileFileOutcome =
  | { readonly plugin: ProtocolPlugin; readonly path: string }
  /** The file cannot be read: reported at runtime.yaml's `profile_file`. */
  | { readonly unreadable: string }
  /** The map is wrong: reported in the map file. */
  | {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly path: string;
    readonly message: string;
  };

/** Reads and compiles profile files, each once. */
export class ProfileFiles {
  #baseDir: string | undefined;
  #configFile: string | undefined;
  #read: (path: string) => string;
  #cache = new Map<string, ProfileFileOutcome>();

  /**
   * @param baseDir Folder relative paths are taken from (else the working folder).
   * @param configFile runtime.yaml's name in messages: map files are named beside it.
   * @param read Reads a file's text.
   */
  constructor(
    baseDir: string | undefined,
    configFile: string | undefined,
    read: (path: string) => string = Deno.readTextFileSync,
  ) {
    this.#baseDir = baseDir;
    this.#configFile = configFile;
    this.#read = read;
  }

  /** The absolute path of a `profile_file` value. */
  path(written: string): string {
    return this.#baseDir === undefined ? resolve(written) : resolve(this.#baseDir, written);
  }

  /** The file as `plugin` reads it (`plugin.loadProfileFile` must exist). */
  load(written: string, plugin: ProtocolPlugin): ProfileFileOutcome {
    const path = this.path(written);
    const key = `${plugin.id}\u0000${path}`;
    let outcome = this.#cache.get(key);
    if (outcome === undefined) {
      outcome = this.#compile(written, path, plugin);
      this.#cache.set(key, outcome);
    }
    return outcome;
  }

  #compile(written: string, path: string, plugin: ProtocolPlugin): ProfileFileOutcome {
    // Named as the user would find it: beside runtime.yaml as it was named.
    const shown = isAbsolute(written) || this.#configFile === undefined
      ? written
      : join(dirname(this.#configFile), written);
    let text: string;
    try {
      text = this.#read(path);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "no such file"
        : error instanceof Deno.errors.IsADirectory
        ? "it is a folder"
        : error instanceof Error
        ? error.message
        : String(error);
      return { unreadable: `cannot read register map ${shown}: ${why}` };
    }
    if (readMap === undefined) {
      throw new Error(
        `Cannot read register map ${shown}: the register-map reader is not loaded (loadMapReader)`,
      );
    }
    try {
      return { plugin: plugin.loadProfileFile!(readMap(text, shown)), path };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const prefix = `${error.file}:${error.line}:${error.column}: `;
      let message = error.message.startsWith(prefix)
        ? error.message.slice(prefix.length)
        : error.message;
      const at = error.path ?? "";
      if (at !== "" && message.startsWith(`${at}: `)) message = message.slice(at.length + 2);
      return {
        file: error.file ?? shown,
        line: error.line ?? 1,
        column: error.column ?? 1,
        path: at,
        message,
      };
    }
  }
}

const ATTACHED = new WeakMap<object, ProfileFiles>();

/** Remember the profile files a configuration was loaded with. */
export function attachProfileFiles(config: object, files: ProfileFiles): void {
  ATTACHED.set(config, files);
}

/** The profile files `config` was loaded with, when loadRuntimeConfig() made it. */
export function profileFilesOf(config: object): ProfileFiles | undefined {
  return ATTACHED.get(config);
}
