// Byte helpers of the BLUETTI envelopes; private to this folder.

/** Reads the big-endian 16-bit word at `offset`. */
export function readU16(frame: Uint8Array, offset: number): number {
  return (frame[offset]! << 8) | frame[offset + 1]!;
}

/** Lower-case hex of `value`, zero-padded to `width` digits. */
export function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}

/** Up to `max` bytes of `bytes` from `start` as spaced hex: "01 f8 0f". */
export function hexBytes(bytes: Uint8Array, start: number, max: number): string {
  const end = Math.min(bytes.length, start + max);
  const parts: string[] = [];
  for (let i = start; i < end; i++) parts.push(hex(bytes[i]!, 2));
  return parts.join(" ");
}
