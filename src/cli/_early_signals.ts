// Imported by cli.ts before anything else, so that it is evaluated before the rest of the CLI
// (which takes a second or more to load on a busy machine): from here on a stop signal is held
// for the command instead of ending the process. Only when cli.ts is the program: a library
// importing `@power-sdk/sdk/cli` keeps the default signal handling.
import { holdStopSignals } from "./_signals.ts";

// In the bundle `deno task compile` builds (tools/bundle_cli.ts), this module is part of the
// entry chunk, cli.js, and the main module is that chunk.
const CLI = new URL("../../cli.ts", import.meta.url).href;
if (Deno.mainModule === CLI || Deno.mainModule === import.meta.url) holdStopSignals();
