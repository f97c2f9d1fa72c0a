// Nothing: the baseline of bench/cli_startup.ts, a Deno process that loads no module.
