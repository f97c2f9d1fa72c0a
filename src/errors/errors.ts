/**
 * The error hierarchy of Power SDK. Every error the library throws on purpose is a
 * {@linkcode PowerSdkError} with a stable {@linkcode PowerSdkError.code}; callers branch on the
 * class or on `code`, never on the message text.
 *
 * @module
 */

/** Stable codes of {@linkcode TransportError}. */
export type TransportErrorCode =
  | "TRANSPORT_TIMEOUT"
  | "TRANSPORT_DISCONNECTED"
  | "TRANSPORT_CLOSED"
  | "TRANSPORT_ABORTED"
  | "TRANSPORT_CONNECT_FAILED"
  | "TRANSPORT_LISTEN_FAILED"
  | "TRANSPORT_CREDENTIALS"
  | "TRANSPORT_NOT_AUTHORIZED"
  | "TRANSPORT_BUSY"
  | "TRANSPORT_INVALID_ARGUMENT";

/** Stable codes of {@linkcode ProtocolError}. */
export type ProtocolErrorCode =
  | "PROTOCOL_CRC"
  | "PROTOCOL_TRUNCATED"
  | "PROTOCOL_TRAILING_BYTES"
  | "PROTOCOL_ADDRESS_MISMATCH"
  | "PROTOCOL_FUNCTION_MISMATCH"
  | "PROTOCOL_BYTE_COUNT"
  | "PROTOCOL_FRAMING"
  | "PROTOCOL_INVALID_REQUEST"
  | "PROTOCOL_ECHO_MISMATCH"
  | "PROTOCOL_MODBUS_EXCEPTION"
  | "PROTOCOL_TRANSACTION_MISMATCH";

/** Stable codes of {@linkcode ParserError}. */
export type ParserErrorCode =
  | "PARSER_SHORT_PAYLOAD"
  | "PARSER_EXTRA_BYTES"
  | "PARSER_MISSING_FIELD"
  | "PARSER_INVALID_VALUE"
  | "PARSER_UNKNOWN_BLOCK"
  | "PARSER_SUSPECT_BLOCK"
  | "PARSER_ENCODE_VALUE";

/** Stable codes of {@linkcode WriteError}. */
export type WriteErrorCode = "WRITE_REFUSED" | "WRITE_NOT_APPLIED";

/** Stable codes of {@linkcode ConfigError}. */
export type ConfigErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_UNKNOWN_PROFILE"
  | "CONFIG_ENV_UNSET"
  | "CONFIG_SYNTAX";

/** Stable codes of {@linkcode SchemaDefinitionError}. */
export type SchemaDefinitionErrorCode =
  | "SCHEMA_INVALID_FIELD"
  | "SCHEMA_INVALID_TYPE"
  | "SCHEMA_INVALID_TRANSFORM"
  | "SCHEMA_INVALID_BLOCK"
  | "SCHEMA_CONFLICT";

/** Every stable error code of the library. */
export type PowerSdkErrorCode =
  | TransportErrorCode
  | ProtocolErrorCode
  | ParserErrorCode
  | ConfigErrorCode
  | SchemaDefinitionErrorCode
  | WriteErrorCode;

/**
 * Base class of every error Power SDK throws on purpose.
 *
 * @example Branch on the stable code
 * ```ts
 * import { PowerSdkError, ProtocolError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new ProtocolError("PROTOCOL_CRC", "Cannot accept frame: bad CRC");
 * assert.ok(error instanceof PowerSdkError);
 * assert.equal(error.code, "PROTOCOL_CRC");
 * ```
 */
export class PowerSdkError extends Error {
  /** A stable, machine-readable code; never changes between releases for the same failure. */
  readonly code: PowerSdkErrorCode;

  /**
   * Create the error.
   *
   * @param code The stable code.
   * @param message What could not be done, a colon, and the current state.
   * @param options Standard error options (`cause`).
   */
  constructor(code: PowerSdkErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PowerSdkError";
    this.code = code;
  }
}

/**
 * A connection, a request window or credentials failed. The only kind of error a retry
 * policy retries.
 *
 * @example
 * ```ts
 * import { TransportError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new TransportError("TRANSPORT_TIMEOUT", "Cannot read block 100: no reply in 5000 ms");
 * assert.equal(error.name, "TransportError");
 * ```
 */
export class TransportError extends PowerSdkError {
  /** The stable code. */
  declare readonly code: TransportErrorCode;

  /**
   * Create the error.
   *
   * @param code The stable code.
   * @param message What failed and why.
   * @param options Standard error options (`cause`).
   */
  constructor(code: TransportErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = "TransportError";
  }
}

/** Where in a frame a {@linkcode ProtocolError} was found. */
export interface ProtocolErrorDetails {
  /** Byte offset inside the frame (after framing was removed, unless stated). */
  offset?: number;
  /** Modbus exception code (1-6, or another byte the station sent). */
  exceptionCode?: number;
}

/**
 * A frame was malformed or did not answer the request: CRC, framing, length, address, function,
 * or a Modbus exception reply (see {@linkcode ModbusExceptionError}).
 *
 * @example
 * ```ts
 * import { ProtocolError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new ProtocolError("PROTOCOL_TRUNCATED", "Cannot parse reply: 3 bytes", { offset: 3 });
 * assert.equal(error.offset, 3);
 * ```
 */
export class ProtocolError extends PowerSdkError {
  /** The stable code. */
  declare readonly code: ProtocolErrorCode;
  /** Byte offset of the problem inside the frame, when known. */
  readonly offset: number | undefined;

  /**
   * Create the error.
   *
   * @param code The stable code.
   * @param message What failed and why.
   * @param details Where the problem sits.
   * @param options Standard error options (`cause`).
   */
  constructor(
    code: ProtocolErrorCode,
    message: string,
    details: ProtocolErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "ProtocolError";
    this.offset = details.offset;
  }
}

/** Names of the Modbus exception codes a station may send. */
export const MODBUS_EXCEPTION_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "device failure",
  5: "acknowledge (retry later)",
  6: "busy (retry later)",
});

/**
 * The station answered with a Modbus exception reply (function | 0x80).
 *
 * @example
 * ```ts
 * import { ModbusExceptionError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new ModbusExceptionError(0x03, 2);
 * assert.equal(error.exceptionName, "illegal data address");
 * assert.equal(error.code, "PROTOCOL_MODBUS_EXCEPTION");
 * ```
 */
export class ModbusExceptionError extends ProtocolError {
  /** The Modbus exception code byte. */
  readonly exceptionCode: number;
  /** Its name ("illegal data address"), or "unknown exception" for codes outside 1-6. */
  readonly exceptionName: string;
  /** The function code of the request (without the 0x80 bit). */
  readonly functionCode: number;

  /**
   * Create the error from the request's function and the station's exception code.
   *
   * @param functionCode The request's function code.
   * @param exceptionCode The exception code byte.
   */
  constructor(functionCode: number, exceptionCode: number) {
    const name = MODBUS_EXCEPTION_NAMES[exceptionCode] ?? "unknown exception";
    super(
      "PROTOCOL_MODBUS_EXCEPTION",
      `Station refused function 0x${
        hex2(functionCode)
      }: Modbus exception ${exceptionCode} (${name})`,
      { exceptionCode },
    );
    this.name = "ModbusExceptionError";
    this.exceptionCode = exceptionCode;
    this.exceptionName = name;
    this.functionCode = functionCode;
  }
}

/** Where in a block a {@linkcode ParserError} was found. */
export interface ParserErrorDetails {
  /** The block id. */
  blockId?: number;
  /** The field path (`software.0.version`, `config_grid.max_current`). */
  field?: string;
  /** Byte offset inside the block's data. */
  offset?: number;
}

/**
 * Block data could not be decoded or encoded: short payload, extra bytes in strict mode, a
 * required field missing, a value a datatype cannot hold.
 *
 * @example
 * ```ts
 * import { ParserError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new ParserError("PARSER_SHORT_PAYLOAD", "Cannot decode block 100: 10 bytes", {
 *   blockId: 100,
 *   offset: 10,
 * });
 * assert.equal(error.blockId, 100);
 * ```
 */
export class ParserError extends PowerSdkError {
  /** The stable code. */
  declare readonly code: ParserErrorCode;
  /** The block id, when known. */
  readonly blockId: number | undefined;
  /** The field path, when the error is about one field. */
  readonly field: string | undefined;
  /** Byte offset inside the block's data, when known. */
  readonly offset: number | undefined;

  /**
   * Create the error.
   *
   * @param code The stable code.
   * @param message What failed and why.
   * @param details Where: block, field, offset.
   * @param options Standard error options (`cause`).
   */
  constructor(
    code: ParserErrorCode,
    message: string,
    details: ParserErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "ParserError";
    this.blockId = details.blockId;
    this.field = details.field;
    this.offset = details.offset;
  }
}

/** Where in a configuration a {@linkcode ConfigError} was found. */
export interface ConfigErrorDetails {
  /** The file name, when the configuration came from a file. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** The path of the value (`devices[1].transport.opts.port`). */
  path?: string;
}

/**
 * A configuration value, a profile name or a command-line argument is wrong.
 *
 * @example
 * ```ts
 * import { ConfigError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new ConfigError("CONFIG_UNKNOWN_PROFILE", "Unknown profile 'X'", { path: "profile" });
 * assert.equal(error.path, "profile");
 * ```
 */
export class ConfigError extends PowerSdkError {
  /** The stable code. */
  declare readonly code: ConfigErrorCode;
  /** The file, when known. */
  readonly file: string | undefined;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  /** 1-based column, when known. */
  readonly column: number | undefined;
  /** The value's path, when known. */
  readonly path: string | undefined;

  /**
   * Create the error.
   *
   * @param code The stable code.
   * @param message What is wrong and what was expected.
   * @param details Where: file, line, column, path.
   * @param options Standard error options (`cause`).
   */
  constructor(
    code: ConfigErrorCode,
    message: string,
    details: ConfigErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "ConfigError";
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.path = details.path;
  }
}

/** Where in a schema a {@linkcode SchemaDefinitionError} was found. */
export interface SchemaDefinitionErrorDetails {
  /** The block id, when known. */
  blockId?: number;
  /** The field path, when known. */
  field?: string;
  /** For `SCHEMA_CONFLICT`: each difference between the registered and the new schema. */
  differences?: readonly string[];
}

/**
 * A schema definition is invalid (unknown type, malformed transform, overlapping names) or
 * conflicts with one already registered. Thrown when the schema is defined, never while
 * decoding.
 *
 * @example
 * ```ts
 * import { SchemaDefinitionError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new SchemaDefinitionError("SCHEMA_CONFLICT", "Block 100 is taken", {
 *   blockId: 100,
 *   differences: ["field soc: offset 4 vs 5"],
 * });
 * assert.deepEqual(error.differences, ["field soc: offset 4 vs 5"]);
 * ```
 */
export class SchemaDefinitionError extends PowerSdkError {
  /** The stable code. */
  declare readonly code: SchemaDefinitionErrorCode;
  /** The block id, when known. */
  readonly blockId: number | undefined;
  /** The field path, when known. */
  readonly field: string | undefined;
  /** The differences, for conflicts; empty otherwise. */
  readonly differences: readonly string[];

  /**
   * Create the error.
   *
   * @param code The stable code.
   * @param message What is wrong and why.
   * @param details Where: block, field, differences.
   * @param options Standard error options (`cause`).
   */
  constructor(
    code: SchemaDefinitionErrorCode,
    message: string,
    details: SchemaDefinitionErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "SchemaDefinitionError";
    this.blockId = details.blockId;
    this.field = details.field;
    this.differences = details.differences ?? [];
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** Why credentials were refused; see {@linkcode CredentialsError}. */
export type CredentialsProblem =
  | "wrong_password"
  | "unreadable"
  | "missing_certificate"
  | "missing_key"
  | "key_mismatch"
  | "expired"
  | "not_yet_valid";

/**
 * TLS credentials (a PKCS#12 bundle, PEM certificate and key) were refused before connecting.
 * The message says which problem; it never contains a password or key material.
 *
 * @example
 * ```ts
 * import { CredentialsError, TransportError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new CredentialsError("wrong_password", "Cannot open the PKCS#12 bundle: wrong password");
 * assert.ok(error instanceof TransportError);
 * assert.equal(error.code, "TRANSPORT_CREDENTIALS");
 * assert.equal(error.problem, "wrong_password");
 * ```
 */
export class CredentialsError extends TransportError {
  /** Which problem. */
  readonly problem: CredentialsProblem;

  /**
   * Create the error.
   *
   * @param problem Which problem.
   * @param message What failed and why, without secrets.
   * @param options Standard error options (`cause`); never pass an error that quotes a secret.
   */
  constructor(problem: CredentialsProblem, message: string, options?: ErrorOptions) {
    super("TRANSPORT_CREDENTIALS", message, options);
    this.name = "CredentialsError";
    this.problem = problem;
  }
}

/** Which gate refused a write; see {@linkcode WriteError}. */
export type WriteGate =
  | "writes_disabled"
  | "unknown_register"
  | "not_allowed"
  | "invalid_value"
  | "unverified_block"
  | "needs_confirmation"
  | "not_applied";

/**
 * A write was refused by a safety gate before anything was sent (`WRITE_REFUSED`), or the
 * station did not take the value (`WRITE_NOT_APPLIED`, after reading it back).
 *
 * @example
 * ```ts
 * import { WriteError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new WriteError("WRITE_REFUSED", "needs_confirmation", "Cannot write factory_reset: dangerous");
 * assert.equal(error.gate, "needs_confirmation");
 * ```
 */
export class WriteError extends PowerSdkError {
  /** The stable code. */
  declare readonly code: WriteErrorCode;
  /** Which gate. */
  readonly gate: WriteGate;
  /** The register concerned, when known. */
  readonly register: number | undefined;

  /**
   * Create the error.
   *
   * @param code `WRITE_REFUSED` or `WRITE_NOT_APPLIED`.
   * @param gate Which gate.
   * @param message What was refused and why, with the current state.
   * @param details The register, when known.
   */
  constructor(
    code: WriteErrorCode,
    gate: WriteGate,
    message: string,
    details: { readonly register?: number } = {},
  ) {
    super(code, message);
    this.name = "WriteError";
    this.gate = gate;
    this.register = details.register;
  }
}
