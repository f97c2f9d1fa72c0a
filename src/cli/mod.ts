/**
 * The `power-sdk` command line as a library: {@linkcode main} runs it with any arguments and
 * returns the exit code; {@linkcode CliIo} captures its output.
 *
 * @example Run a command and capture its output
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["profiles", "--json"], io), 0);
 * assert.ok(JSON.parse(out).some((profile: { id: string }) => profile.id === "EL100V2"));
 * ```
 *
 * @module
 */
export * from "./main.ts";
