/**
 * A request to read holding registers (function 0x03).
 *
 * @example Read 5 registers from register 100
 * ```ts
 * import { buildRequest, type ReadRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 5 };
 * assert.equal(buildRequest(request).length, 8);
 * ```
 */
export interface ReadRequest {
  /** Function code: read holding registers. */
  readonly function: 0x03;
  /** Device (slave) address 0..247; the framing decides which one a station expects. */
  readonly address: number;
  /** First register (the block id) 0..65535. */
  readonly start: number;
  /** Number of 16-bit registers 1..125. */
  readonly quantity: number;
}

/**
 * A request to write one holding register (function 0x06).
 *
 * @example Switch AC output on (register 2011)
 * ```ts
 * import { buildRequest, type WriteSingleRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request: WriteSingleRequest = { function: 0x06, address: 0, register: 2011, value: 1 };
 * assert.equal(buildRequest(request).length, 8);
 * ```
 */
export interface WriteSingleRequest {
  /** Function code: write single register. */
  readonly function: 0x06;
  /** Device (slave) address 0..247. */
  readonly address: number;
  /** The register to write 0..65535. */
  readonly register: number;
  /** The value 0..65535. */
  readonly value: number;
}

/**
 * A request to write consecutive holding registers (function 0x10).
 *
 * @example Write two registers from 2014
 * ```ts
 * import { buildRequest, type WriteMultipleRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request: WriteMultipleRequest = { function: 0x10, address: 1, start: 2014, values: [1, 2] };
 * assert.equal(buildRequest(request).length, 13);
 * ```
 */
export interface WriteMultipleRequest {
  /** Function code: write multiple registers. */
  readonly function: 0x10;
  /** Device (slave) address 0..247. */
  readonly address: number;
  /** First register 0..65535. */
  readonly start: number;
  /** The values 0..65535, one per register; 1..123 of them. */
  readonly values: readonly number[];
}

/**
 * A Modbus request this SDK can send; `function` is the discriminant.
 *
 * @example Branch on the function
 * ```ts
 * import type { ModbusRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request: ModbusRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
 * const registers = request.function === 0x03 ? request.quantity : 0;
 * assert.equal(registers, 62);
 * ```
 */
export type ModbusRequest = ReadRequest | WriteSingleRequest | WriteMultipleRequest;

/**
 * A validated reply to a {@linkcode ReadRequest}.
 *
 * @example Read the data of a reply
 * ```ts
 * import { parseReply, type ReadReply } from "@power-sdk/sdk/protocol";
 * import { buildReadReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = buildReadReply(1, new Uint8Array([0x00, 0x5f]));
 * const reply = parseReply(frame, { function: 0x03, address: 1, start: 102, quantity: 1 }) as ReadReply;
 * assert.equal(reply.registerCount, 1);
 * assert.deepEqual([...reply.data], [0x00, 0x5f]);
 * ```
 */
export interface ReadReply {
  /** Function code: read holding registers. */
  readonly function: 0x03;
  /** Device address of the reply. */
  readonly address: number;
  /**
   * The register data, big-endian words; a view into the frame (no copy), so it changes if the
   * frame's bytes change. May hold fewer registers than requested.
   */
  readonly data: Uint8Array;
  /** Number of registers present in `data` (`data.length / 2`). */
  readonly registerCount: number;
}

/**
 * A validated reply to a {@linkcode WriteSingleRequest}: the echo of the request.
 *
 * @example Parse the echo of a write
 * ```ts
 * import { parseReply } from "@power-sdk/sdk/protocol";
 * import { buildWriteSingleReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x06, address: 1, register: 2011, value: 1 } as const;
 * const reply = parseReply(buildWriteSingleReply(1, 2011, 1), request);
 * assert.deepEqual(reply, request);
 * ```
 */
export interface WriteSingleReply {
  /** Function code: write single register. */
  readonly function: 0x06;
  /** Device address of the reply. */
  readonly address: number;
  /** The register written. */
  readonly register: number;
  /** The value written. */
  readonly value: number;
}

/**
 * A validated reply to a {@linkcode WriteMultipleRequest}: start register and quantity.
 *
 * @example Parse the reply to a multiple write
 * ```ts
 * import { parseReply } from "@power-sdk/sdk/protocol";
 * import { buildWriteMultipleReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x10, address: 1, start: 2014, values: [1, 2] } as const;
 * const reply = parseReply(buildWriteMultipleReply(1, 2014, 2), request);
 * assert.deepEqual(reply, { function: 0x10, address: 1, start: 2014, quantity: 2 });
 * ```
 */
export interface WriteMultipleReply {
  /** Function code: write multiple registers. */
  readonly function: 0x10;
  /** Device address of the reply. */
  readonly address: number;
  /** First register written. */
  readonly start: number;
  /** Number of registers written. */
  readonly quantity: number;
}

/**
 * A validated Modbus reply; `function` is the discriminant and equals the request's. Exception
 * replies are never values of this type: they are thrown as `ModbusExceptionError`.
 *
 * @example Branch on the function
 * ```ts
 * import { type ModbusReply, parseReply } from "@power-sdk/sdk/protocol";
 * import { buildReadReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const reply: ModbusReply = parseReply(
 *   buildReadReply(1, new Uint8Array(4)),
 *   { function: 0x03, address: 1, start: 100, quantity: 2 },
 * );
 * assert.equal(reply.function === 0x03 ? reply.registerCount : -1, 2);
 * ```
 */
export type ModbusReply = ReadReply | WriteSingleReply | WriteMultipleReply;
