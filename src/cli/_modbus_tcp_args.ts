// Tells a Modbus TCP command line from a cloud one, so `read`, `write` and `simulate` load the
// Modbus TCP module only when it is used. Private to src/cli.

/**
 * Whether a command line asks for the local Modbus TCP path: `--modbus-tcp` (or
 * `--transport modbus-tcp`).
 *
 * @param args The arguments after the command.
 * @returns True when it does.
 */
export function wantsModbusTcp(args: readonly string[]): boolean {
  return args.some((a, i) =>
    a === "--modbus-tcp" || a.startsWith("--modbus-tcp=") || a === "--transport=modbus-tcp" ||
    (a === "--transport" && args[i + 1] === "modbus-tcp")
  );
}
