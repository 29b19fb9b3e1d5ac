// The BPF ring buffer consumer protocol over plain views, so it can be tested on a fake buffer.
// Protocol: kernel/bpf/ringbuf.c (linux 6.18) and Documentation/bpf/ringbuf.rst; consumer loop as
// in libbpf src/ringbuf.c ringbuf_process_ring. Atomics on the views are sequentially
// consistent, which is stronger than the acquire/release the protocol needs.

export const RINGBUF_BUSY_BIT = 0x8000_0000;
export const RINGBUF_DISCARD_BIT = 0x4000_0000;
export const RINGBUF_HDR_SIZE = 8;

export interface RingViews {
  /** consumer_pos at index 0 (the consumer page, writable). */
  readonly consumer: BigUint64Array;
  /** producer_pos at index 0 (read-only). */
  readonly producer: BigUint64Array;
  /** The data area, mapped twice in a row (2 × size bytes), so a record never wraps. */
  readonly data: ArrayBuffer;
  readonly dataOffset: number;
  /** Power of two. */
  readonly size: number;
}

/**
 * Deliver every committed record (a copy) in order and advance consumer_pos. Stops at a record
 * the producer has not committed yet (BUSY); discarded records are skipped. Returns the count
 * delivered. Re-reads producer_pos until a pass sees nothing new (no lost wake-up).
 */
export function drainRecords(v: RingViews, deliver: (record: Buffer) => void): number {
  const mask = BigInt(v.size - 1);
  const lens = new Uint32Array(v.data, v.dataOffset, (2 * v.size) / 4);
  let delivered = 0;
  let cons = Atomics.load(v.consumer, 0);
  for (;;) {
    const prod = Atomics.load(v.producer, 0);
    if (cons >= prod) return delivered;
    let progressed = false;
    while (cons < prod) {
      const at = Number(cons & mask);
      const len = Atomics.load(lens, at / 4);
      if ((len & RINGBUF_BUSY_BIT) !== 0) return delivered; // not committed yet; its commit wakes us
      const bodyLen = len & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
      if ((len & RINGBUF_DISCARD_BIT) === 0) {
        deliver(Buffer.from(new Uint8Array(v.data, v.dataOffset + at + RINGBUF_HDR_SIZE, bodyLen)));
        delivered++;
      }
      cons += BigInt((bodyLen + RINGBUF_HDR_SIZE + 7) & ~7);
      Atomics.store(v.consumer, 0, cons);
      progressed = true;
    }
    if (!progressed) return delivered;
  }
}
