// A transport that addresses one unit id other than the framing's: it rewrites the unit id byte
// of MBAP frames on the way out, and back on the way in (only for frames from that unit, so a
// reply from another unit still fails the matcher). Private to src/plugins/modbus_tcp.
import type {
  ReplyMatcher,
  RequestOptions,
  Transport,
  TransportState,
  TransportStateChange,
  UnsolicitedFrame,
} from "../../transport/types.ts";

const UNIT = 6;

/** `inner`, speaking to unit `unitId` where the client addresses unit `framingUnit`. */
export class UnitIdTransport implements Transport {
  #inner: Transport;
  #unit: number;
  #framingUnit: number;

  constructor(inner: Transport, unitId: number, framingUnit: number) {
    this.#inner = inner;
    this.#unit = unitId;
    this.#framingUnit = framingUnit;
  }

  get state(): TransportState {
    return this.#inner.state;
  }

  connect(options?: { readonly signal?: AbortSignal }): Promise<void> {
    return this.#inner.connect(options);
  }

  async request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options?: RequestOptions,
  ): Promise<Uint8Array> {
    const out = payload.slice();
    if (out[UNIT] === this.#framingUnit) out[UNIT] = this.#unit;
    const reply = await this.#inner.request(out, (frame) => isReply(this.#back(frame)), options);
    return this.#back(reply);
  }

  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
    return this.#inner.onUnsolicited(listener);
  }

  onState(listener: (change: TransportStateChange) => void): () => void {
    return this.#inner.onState(listener);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #back(frame: Uint8Array): Uint8Array {
    if (frame[UNIT] !== this.#unit) return frame;
    const copy = frame.slice();
    copy[UNIT] = this.#framingUnit;
    return copy;
  }
}
