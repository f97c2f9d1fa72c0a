/**
 * The `power-sdk` command line: inspect block schemas, decode captured data bytes and reply
 * frames, list the built-in station profiles.
 *
 * ```sh
 * deno task power-sdk blocks show 100
 * deno task power-sdk decode --block 100 --framing iot-v2 --json 01f80f00000000b90000...
 * deno task power-sdk profiles show "Elite 100 V2"
 * ```
 *
 * Run as a program it exits with the code {@linkcode main} returns: 0 success, 1 failure,
 * 2 usage error. Imported, it exports {@linkcode main} to run the CLI in-process.
 *
 * @example Run the CLI in-process
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["blocks", "show", "100", "--json"], io), 0);
 * assert.equal(JSON.parse(out).name, "APP_HOME_DATA");
 * ```
 *
 * @module
 */
import { main } from "./src/cli/mod.ts";

export * from "./src/cli/mod.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
