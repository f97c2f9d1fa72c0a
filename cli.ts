/**
 * The `power-sdk` command line: see the SDK work without an account or hardware (`demo`), run
 * the stations of a runtime.yaml (`runtime`, `schema`), read and write a station through an
 * MQTT broker (`read`, `write`), run a simulated station (`simulate`), inspect block schemas,
 * decode captured data bytes and reply frames, list the built-in station profiles (`blocks`,
 * `decode`, `profiles`).
 *
 * ```sh
 * deno task power-sdk demo                                     # 3 simulated stations, live
 * deno task power-sdk runtime --config runtime.yaml --dry-run  # check, print what would run
 * deno task power-sdk runtime --config runtime.yaml --once     # one poll of every station
 * deno task power-sdk runtime --config runtime.yaml            # run until Ctrl-C / SIGTERM
 * deno task power-sdk schema > runtime.schema.json             # JSON Schema for editors
 * deno task power-sdk read --profile EL100V2 --sn EL100V2123 --broker mqtts://localhost:8883 \
 *   --cert client.p12 --group core
 * deno task power-sdk write --profile EL100V2 --sn EL100V2123 --broker mqtts://localhost:8883 \
 *   --cert client.p12 --field ac_output --value off --enable-writes
 * deno task power-sdk simulate --profile EL100V2 --sn EL100V2123 --embedded
 * deno task power-sdk blocks show 100
 * deno task power-sdk decode --block 100 --framing iot-v2 --json 01f80f00000000b90000...
 * deno task power-sdk profiles show "Elite 100 V2"
 * deno task power-sdk help runtime
 * ```
 *
 * Run as a program it exits with the code {@linkcode main} returns: 0 success, 1 failure,
 * 2 usage error, 130 a cancelled password prompt or a second Ctrl-C while `runtime` or `demo`
 * stops. Every command and option: `docs/cli.md`. Imported, it exports {@linkcode main} to
 * run the CLI in-process.
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
// First: hold the stop signals before the rest of the CLI loads (see src/cli/_early_signals.ts).
import "./src/cli/_early_signals.ts";
import { releaseStopSignalsUnlessListening } from "./src/cli/_signals.ts";
import { main } from "./src/cli/main.ts";

export * from "./src/cli/main.ts";

if (import.meta.main) {
  releaseStopSignalsUnlessListening(Deno.args);
  Deno.exit(await main(Deno.args));
}
