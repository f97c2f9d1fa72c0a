/**
 * Definition types of the schema engine: datatypes, transforms, fields, groups and block
 * schemas, in a JSON-friendly data form. A block is data: write a {@linkcode BlockSchemaDef}
 * and compile it with `compileBlockSchema`.
 *
 * @module
 */

/** Word order of a 32-bit integer: `high_first` is plain big-endian, `low_first` is V2's. */
export type WordOrder = "high_first" | "low_first";

/** An integer of 1, 2 or 4 bytes; 16-bit words are always big-endian. */
export interface IntegerDatatypeDef {
  /** Discriminant. */
  readonly kind: "int";
  /** Width in bytes. */
  readonly bytes: 1 | 2 | 4;
  /** Two's complement when true. */
  readonly signed: boolean;
  /** Only for 4 bytes: which 16-bit word comes first. @default {"high_first"} */
  readonly wordOrder?: WordOrder;
}

/** ASCII text of a fixed length, cut at the first NUL; a non-ASCII byte is a decode error. */
export interface StringDatatypeDef {
  /** Discriminant. */
  readonly kind: "string";
  /** Length in bytes (even when `swapped`). */
  readonly length: number;
  /** Swap the two bytes of every 16-bit word before reading (V2 model names). @default {false} */
  readonly swapped?: boolean;
}

/** 4 registers in reverse order read as one 64-bit number, output as a decimal string. */
export interface SerialDatatypeDef {
  /** Discriminant. */
  readonly kind: "serial_u64_rev";
}

/**
 * An unsigned bit set. Without `flags` it decodes to a number; with `flags` (name -> bit index,
 * 0 = least significant) it decodes to the sorted list of the names whose bit is set; a set bit
 * without a name appears as `bit_<n>`.
 */
export interface BitmapDatatypeDef {
  /** Discriminant. */
  readonly kind: "bitmap";
  /** Width in bytes. */
  readonly bytes: 1 | 2 | 4;
  /** Names of bits. */
  readonly flags?: Readonly<Record<string, number>>;
}

/** An integer mapped to a label; an unknown value decodes to `UNKNOWN_<n>` with a warning. */
export interface EnumDatatypeDef {
  /** Discriminant. */
  readonly kind: "enum";
  /** The integer that carries the value. */
  readonly base: IntegerDatatypeDef;
  /** Value (as a decimal string key) -> label. */
  readonly values: Readonly<Record<string, string>>;
}

/** `count` items of one datatype, `stride` bytes apart (default: the item's size). */
export interface ArrayDatatypeDef {
  /** Discriminant. */
  readonly kind: "array";
  /** The datatype of each item. */
  readonly item: DatatypeDef;
  /** Number of items. */
  readonly count: number;
  /** Bytes from one item's start to the next. @default {the item's size} */
  readonly stride?: number;
}

/** One sub-field of a {@linkcode PackedDatatypeDef}: bits `lo..hi` (inclusive, 0 = LSB). */
export interface PackedSubfieldDef {
  /** Name of the sub-field in the decoded object. */
  readonly name: string;
  /** `[lo, hi]`, inclusive bit range, 0 = least significant bit. */
  readonly bits: readonly [number, number];
  /** Optional value -> label map; unknown values decode to `UNKNOWN_<n>`. */
  readonly values?: Readonly<Record<string, string>>;
}

/** An unsigned integer split into named bit ranges; decodes to an object. */
export interface PackedDatatypeDef {
  /** Discriminant. */
  readonly kind: "packed";
  /** The carrier integer (unsigned). */
  readonly base: IntegerDatatypeDef;
  /** The sub-fields. */
  readonly fields: readonly PackedSubfieldDef[];
}

/** Every datatype in its typed form. */
export type DatatypeDef =
  | IntegerDatatypeDef
  | StringDatatypeDef
  | SerialDatatypeDef
  | BitmapDatatypeDef
  | EnumDatatypeDef
  | ArrayDatatypeDef
  | PackedDatatypeDef;

/**
 * A datatype: the typed form, or the string form of the seed data: `uint8`, `int8`, `uint16`,
 * `int16`, `uint32`, `int32` (high word first), `uint32_lw`, `int32_lw` (low word first),
 * `string:N`, `string_swapped:N`, `serial_u64_rev`, `bitmap:N` (N bits: 8, 16 or 32).
 */
export type DatatypeSpec = string | DatatypeDef;

/** A transform in its typed form; applied left to right after the datatype is decoded. */
export type TransformDef =
  | { readonly op: "abs" }
  | { readonly op: "scale"; readonly factor: number }
  | { readonly op: "minus"; readonly value: number }
  | { readonly op: "bitmask"; readonly mask: number }
  | { readonly op: "shift"; readonly bits: number }
  | { readonly op: "clamp"; readonly min: number; readonly max: number }
  | { readonly op: "hex_enable_list"; readonly mode: number; readonly index: number }
  | { readonly op: "null_if_zero" };

/**
 * A transform: typed, or the seed's string form: `abs`, `scale:0.1`, `minus:40`,
 * `bitmask:0x3fff` (hex, `0x` optional), `shift:3`, `clamp:0:100`, `hex_enable_list:0:3`,
 * `null_if_zero`.
 */
export type TransformSpec = string | TransformDef;

/** One field of a block at a byte offset. */
export interface FieldDef {
  /** Discriminant; absent means `field`. */
  readonly kind?: "field";
  /** Name in the decoded values (snake_case). */
  readonly name: string;
  /** Byte offset inside the block's data. */
  readonly offset: number;
  /** The datatype. */
  readonly type: DatatypeSpec;
  /** Transforms, applied left to right. @default {[]} */
  readonly transforms?: readonly TransformSpec[];
  /** Unit of the decoded value (`V`, `W`, `%`), or null. @default {null} */
  readonly unit?: string | null;
  /** A required field beyond the data is an error (strict) or a listed missing field. @default {false} */
  readonly required?: boolean;
  /** What the value means. */
  readonly description?: string;
  /** The field exists from this protocol version on. */
  readonly minProtocolVersion?: number;
  /** Secret (a password): never printed or stored unredacted. @default {false} */
  readonly sensitive?: boolean;
  /** How the layout of this field is known (`capture-confirmed`, `reference-only`, ...). */
  readonly evidence?: string;
}

/** Named fields decoded into a nested object; sub-field offsets are absolute. */
export interface GroupDef {
  /** Discriminant. */
  readonly kind: "group";
  /** Name of the nested object in the decoded values. */
  readonly name: string;
  /** The sub-fields. */
  readonly fields: readonly FieldDef[];
  /** What the group means. */
  readonly description?: string;
}

/** A field or a group. */
export type FieldOrGroupDef = FieldDef | GroupDef;

/** How far a block's layout has been checked; gates writes. */
export type VerificationStatus =
  | "device_verified"
  | "verified_reference"
  | "partial"
  | "unverified";

/** A block schema: the layout of the data bytes of one register block. */
export interface BlockSchemaDef {
  /** Block id = start register. */
  readonly id: number;
  /** Upper snake case name (`APP_HOME_DATA`); unique in a registry. */
  readonly name: string;
  /** What the block holds. */
  readonly description?: string;
  /** Fewer data bytes than this is a short payload. */
  readonly minLength: number;
  /** The fields and groups. */
  readonly fields: readonly FieldOrGroupDef[];
  /** Strict: validation failures throw, extra bytes are a warning. @default {false} */
  readonly strict?: boolean;
  /** How far the layout is verified. @default {"unverified"} */
  readonly verificationStatus?: VerificationStatus;
  /** Protocol version the layout was written for. */
  readonly protocolVersion?: number;
  /** Version of the schema itself. */
  readonly schemaVersion?: string;
  /** Registers live clients request (may be below what the fields span). */
  readonly recommendedRegisterCount?: number;
  /** Names of fields proven wrong; never emitted, kept for traceability. */
  readonly withdrawnFields?: readonly string[];
  /** The whole block holds secrets: frames and raw bytes are redacted. @default {false} */
  readonly sensitive?: boolean;
}
