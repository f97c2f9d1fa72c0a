// A transport that addresses one unit id other than the framing's: it rewrites the unit id byte
// of MBAP frames on the way out, and back on the way in (only for frames from that unit, so a
// reply from another unit still fails the matcher). Private to src/plugins/modbus_tcp.
import { DelegatingTransport } from "../../transport/delegating_transport.ts";
import type { ReplyMatcher, RequestOptions, Transport } from "../../transport/types.ts";

const UNIT = 6;

/** `inner`, speaking to unit `unitId` where the client addresses unit `framingUnit`. */
export class UnitIdTransport extends DelegatingTransport {
  #unit: number;
  #framingUnit: number;

  constructor(inner: Transport, unitId: number, framingUnit: number) {
    super(inner);
    this.#unit = unitId;
    this.#framingUnit = framingUnit;
  }

  override async request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options?: RequestOptions,
  ): Promise<Uint8Array> {
    const out = payload.slice();
    if (out[UNIT] === this.#framingUnit) out[UNIT] = this.#unit;
    const reply = await super.request(out, (frame) => isReply(this.#back(frame)), options);
    return this.#back(reply);
  }

  #back(frame: Uint8Array): Uint8Array {
    if (frame[UNIT] !== this.#unit) return frame;
    const copy = frame.slice();
    copy[UNIT] = this.#framingUnit;
    return copy;
  }
}
