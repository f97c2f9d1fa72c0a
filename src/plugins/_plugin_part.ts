// A part of a built-in plugin that loads on demand: a module that, once imported, hands its
// value over (`provide`). The plugin's members read it with `get`, which throws
// `PluginPartsNotLoadedError` until the module has loaded (see `_defined_builtin.ts`). Private
// to src/plugins.
import { PluginPartsNotLoadedError } from "../plugin/parts_not_loaded.ts";

/** One part: its value once its module has loaded. */
export class PluginPart<T> {
  #value: T | undefined;
  readonly #pluginId: string;
  readonly #remedy: string;
  readonly #importer: () => Promise<unknown>;

  /**
   * @param pluginId The plugin it belongs to, for the error.
   * @param remedy What loads it, for the error.
   * @param importer Imports the module that provides it.
   */
  constructor(pluginId: string, remedy: string, importer: () => Promise<unknown>) {
    this.#pluginId = pluginId;
    this.#remedy = remedy;
    this.#importer = importer;
  }

  /** Called by the part's module when it loads (the first value stays). */
  provide(value: T): void {
    this.#value ??= value;
  }

  /** Import the part's module, once. */
  async load(): Promise<void> {
    if (this.#value === undefined) await this.#importer();
  }

  /**
   * The part, for a member of a plugin.
   *
   * @param member What is read (`blocks`, `registry`), for the error.
   * @param pluginId The plugin reading it. @default {the plugin it belongs to}
   * @throws {PluginPartsNotLoadedError} until its module has loaded.
   */
  get(member: string, pluginId: string = this.#pluginId): T {
    if (this.#value === undefined) {
      throw new PluginPartsNotLoadedError(pluginId, member, this.#remedy);
    }
    return this.#value;
  }
}
