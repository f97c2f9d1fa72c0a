// How `read`, `write` and `simulate` reach a station through a broker: the options --profile,
// --sn, --broker, --cert, --password, --ca and --allow-insecure, their help, their checks, the
// credentials they name, and the MqttTransport configuration made of them. Private to src/cli.
import type { MqttConfig } from "../../mod.ts";
import type { TlsCredentials, TransportLogger } from "../transport/mod.ts";
import { type ParsedArgs, requiredOption, stringOption } from "./_args.ts";
import { type CommandContext, oneLine } from "./_context.ts";
import {
  type CredentialSources,
  loadBundle,
  PASSWORD_ENV,
  readCaFile,
  unlessCancelled,
} from "./_credentials.ts";
import { UsageError } from "./_usage_error.ts";

/** `--cert`, `--password` and `--ca`: a client certificate bundle and more CAs to trust. */
export const CREDENTIAL_OPTIONS = {
  cert: { type: "string" },
  password: { type: "string" },
  ca: { type: "string" },
} as const;

/** The station and its broker, as `read` and `write` take them. */
export const STATION_OPTIONS = {
  profile: { type: "string" },
  sn: { type: "string" },
  broker: { type: "string" },
  ...CREDENTIAL_OPTIONS,
  "allow-insecure": { type: "boolean" },
} as const;

/** The help lines of {@linkcode STATION_OPTIONS}. */
export const STATION_OPTIONS_HELP =
  `      --profile <name>      The station's profile (required): EL100V2, "Elite 100 V2"...
      --sn <serial>         The station's serial number (required); it goes into the topics
      --broker <url|host>   The broker (required): mqtts://host:port, or a host name
                            (mqtts, port 18760); mqtt:// needs --allow-insecure
      --cert <file.p12>     The client certificate and its key, a PKCS#12 bundle
      --password <text>     The bundle's password; visible to other users of this machine,
                            prefer ${PASSWORD_ENV} or the prompt
      --ca <file.pem>       Trust the CA certificates in this file for the broker's certificate
      --allow-insecure      Allow mqtt:// (no encryption) and do not verify the broker's
                            certificate; for a local test broker only`;

/** The help paragraph on where the password of `--cert` comes from. */
export const PASSWORD_HELP =
  `The bundle's password comes from --password, else ${PASSWORD_ENV}, else it is
asked for without echo when stdin is a terminal. A bundle without a password needs none.`;

/** `--cert`, `--password` and `--ca`. */
export interface CredentialOptions {
  /** The PKCS#12 bundle's path. */
  readonly cert: string | undefined;
  /** The bundle's password, as typed on the command line. */
  readonly password: string | undefined;
  /** The path of a PEM file of CAs to trust. */
  readonly ca: string | undefined;
}

/** {@linkcode STATION_OPTIONS}, checked. */
export interface StationOptions extends CredentialOptions {
  /** The profile's name, id or alias. */
  readonly profile: string;
  /** The station's serial number. */
  readonly sn: string;
  /** The broker, a host or a URL. */
  readonly broker: string;
  /** `--allow-insecure`. */
  readonly allowInsecure: boolean;
}

/**
 * Check `--profile`, `--sn` and `--broker` (all three required), in this order.
 *
 * @param parsed The parsed arguments.
 * @param command The command, for the error's help hint.
 * @returns The three values.
 * @throws {UsageError} for a missing option.
 */
export function stationAndBroker(
  parsed: ParsedArgs,
  command: string,
): Pick<StationOptions, "profile" | "sn" | "broker"> {
  return {
    profile: requiredOption(parsed, "profile", "<name>", command),
    sn: requiredOption(parsed, "sn", "<serial>", command),
    broker: requiredOption(parsed, "broker", "<url|host>", command),
  };
}

/**
 * Check `--cert`, `--password` and `--ca`: a password needs a bundle.
 *
 * @param parsed The parsed arguments.
 * @param command The command, for the error's help hint.
 * @returns The three values.
 * @throws {UsageError} for `--password` without `--cert`.
 */
export function credentialOptions(parsed: ParsedArgs, command: string): CredentialOptions {
  const cert = stringOption(parsed, "cert");
  const password = stringOption(parsed, "password");
  if (password !== undefined && cert === undefined) {
    throw new UsageError(
      "option '--password' is the password of a certificate bundle: give '--cert <file.p12>' too",
      command,
    );
  }
  return { cert, password, ca: stringOption(parsed, "ca") };
}

/**
 * The transport of a command that connects once: no reconnect; transport warnings (an insecure
 * connection) on stderr, the rest of its log only with `--debug`. It has no credentials yet:
 * made first, it checks the serial and the broker before any password is asked for.
 *
 * @param ctx Where the log goes.
 * @param options The serial, the broker and `--allow-insecure`.
 * @param debug Whether `--debug` was given.
 * @returns The configuration.
 */
export function transportConfig(
  ctx: CommandContext,
  options: Pick<StationOptions, "sn" | "broker" | "allowInsecure">,
  debug: boolean,
): MqttConfig {
  return {
    broker: options.broker,
    deviceSn: options.sn,
    allowInsecure: options.allowInsecure,
    reconnect: false,
    logger: transportLogger(ctx, debug),
  };
}

function transportLogger(ctx: CommandContext, debug: boolean): TransportLogger {
  return (entry) => {
    if (entry.level === "warn" || entry.level === "error") {
      ctx.io.stderr(`warning: ${oneLine(entry.message)}\n`);
    } else if (debug) {
      ctx.io.stderr(`${entry.level}: ${oneLine(entry.message)}\n`);
    }
  };
}

/** The credentials of a connection, as {@linkcode MqttConfig} takes them; absent when not given. */
export interface ConnectionCredentials {
  /** The opened `--cert` bundle. */
  readonly tls?: TlsCredentials;
  /** The PEM text of `--ca`. */
  readonly ca?: string;
}

/**
 * Open the `--cert` bundle (asking for its password if need be), then read the `--ca` file.
 *
 * @param options The three credential options.
 * @param ctx Where the prompt and a cancelled prompt's error line go (stderr).
 * @param sources Files, environment, terminal.
 * @returns The credentials, or null when the person cancelled the password prompt: its error
 * line is printed, and the command returns `CANCELLED_EXIT_CODE`.
 * @throws {CredentialsError} naming the file that cannot be read or opened.
 */
export async function loadCredentials(
  options: CredentialOptions,
  ctx: CommandContext,
  sources: CredentialSources,
): Promise<ConnectionCredentials | null> {
  const write = ctx.io.stderr;
  return await unlessCancelled(write, async () => {
    const { cert, password, ca } = options;
    const tls = cert === undefined
      ? undefined
      : await loadBundle({ path: cert, password, write }, sources);
    const caText = ca === undefined ? undefined : await readCaFile(ca, sources);
    return {
      ...(tls === undefined ? {} : { tls }),
      ...(caText === undefined ? {} : { ca: caText }),
    };
  });
}
