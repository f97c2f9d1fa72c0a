// A bounded first-in first-out buffer: O(1) push and shift, storage grown on demand up to the
// capacity. Used by the memory sink (per device) and the sink queue.

export class RingBuffer<T> {
  readonly capacity: number;
  #items: (T | undefined)[] = [];
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get length(): number {
    return this.#length;
  }

  /** Add at the end; when full, the oldest item is removed and returned in a one-item array. */
  push(item: T): [T] | [] {
    let evicted: [T] | [] = [];
    if (this.#length === this.capacity) evicted = [this.shift() as T];
    const index = (this.#start + this.#length) % this.capacity;
    if (index === this.#items.length) this.#items.push(item);
    else this.#items[index] = item;
    this.#length++;
    return evicted;
  }

  /** Remove and return the oldest item; the caller checks `length` first. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#start];
    this.#items[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.capacity;
    this.#length--;
    return item;
  }

  last(): T | undefined {
    if (this.#length === 0) return undefined;
    return this.#items[(this.#start + this.#length - 1) % this.capacity];
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++) {
      out.push(this.#items[(this.#start + i) % this.capacity] as T);
    }
    return out;
  }

  clear(): void {
    this.#items = [];
    this.#start = 0;
    this.#length = 0;
  }
}
