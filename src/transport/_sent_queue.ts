// The requests a LoopbackTransport has sent and not yet handed to its station, oldest first: a
// ring buffer of payloads and their fail callbacks, in two arrays so that a request allocates
// nothing. Nearly always one request; more only when a request ended before its microtask ran
// and the next one was sent at once. The storage doubles when full and is kept. Private to
// src/transport.
import type { TransportError } from "../errors/errors.ts";

/** Fails a request (the request window's callback). */
export type FailRequest = (error: TransportError) => void;

/** A first-in first-out queue of sent requests: O(1) push and shift, no allocation per request. */
export class SentQueue {
  #payloads: (Uint8Array | null)[] = [null];
  #fails: (FailRequest | null)[] = [null];
  #head = 0;
  #length = 0;

  /** Requests in the queue. */
  get length(): number {
    return this.#length;
  }

  /**
   * Add a request at the end.
   *
   * @param payload The request as sent.
   * @param fail Fails it.
   */
  push(payload: Uint8Array, fail: FailRequest): void {
    if (this.#length === this.#payloads.length) this.#grow();
    const at = (this.#head + this.#length) % this.#payloads.length;
    this.#payloads[at] = payload;
    this.#fails[at] = fail;
    this.#length++;
  }

  /**
   * The oldest request's payload.
   *
   * @throws {RangeError} When the queue is empty.
   */
  get firstPayload(): Uint8Array {
    this.#checkNotEmpty();
    return this.#payloads[this.#head]!;
  }

  /**
   * What fails the oldest request.
   *
   * @throws {RangeError} When the queue is empty.
   */
  get firstFail(): FailRequest {
    this.#checkNotEmpty();
    return this.#fails[this.#head]!;
  }

  /**
   * Remove the oldest request (the queue keeps no reference to it).
   *
   * @throws {RangeError} When the queue is empty.
   */
  shift(): void {
    this.#checkNotEmpty();
    this.#payloads[this.#head] = null;
    this.#fails[this.#head] = null;
    this.#head = (this.#head + 1) % this.#payloads.length;
    this.#length--;
  }

  #checkNotEmpty(): void {
    if (this.#length === 0) throw new RangeError("Cannot read a sent request: the queue is empty");
  }

  /** Twice the room, the requests in order from index 0. */
  #grow(): void {
    const capacity = this.#payloads.length;
    const payloads: (Uint8Array | null)[] = new Array(2 * capacity).fill(null);
    const fails: (FailRequest | null)[] = new Array(2 * capacity).fill(null);
    for (let i = 0; i < this.#length; i++) {
      payloads[i] = this.#payloads[(this.#head + i) % capacity]!;
      fails[i] = this.#fails[(this.#head + i) % capacity]!;
    }
    this.#payloads = payloads;
    this.#fails = fails;
    this.#head = 0;
  }
}
