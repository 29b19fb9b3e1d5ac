// A BPF_MAP_TYPE_RINGBUF (5.8) map with its consumer mappings.
import { MAP_SHARED, MapType, pageSize, PROT_READ, PROT_WRITE, Mapping } from "./sys/index.js";
import { BpfMap } from "./map.js";
import { drainRecords, type RingViews } from "./ringbuf-records.js";
import { ToolError } from "../errors.js";

export class RingBuffer extends BpfMap {
  readonly size: number;
  #consumer: Mapping | undefined;
  #producer: Mapping | undefined;
  #views: RingViews | undefined;

  /** `size`: a power of two and a multiple of the page size (ringbuf_map_alloc refuses others). */
  constructor(name: string, size: number) {
    const page = pageSize();
    if (size < page || (size & (size - 1)) !== 0) throw new ToolError("usage", `create ring buffer ${name}: size ${size} is not a power of two ≥ page size ${page}`);
    super({ type: MapType.RingBuf, name, keySize: 0, valueSize: 0, maxEntries: size });
    this.size = size;
    try {
      // Page 0 (consumer_pos) is the only writable mapping allowed; producer_pos page + data twice
      // are read-only (ringbuf_map_mmap_kern, linux 6.18 kernel/bpf/ringbuf.c).
      this.#consumer = new Mapping(`mmap ring buffer ${name} consumer page`, this.fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
      this.#producer = new Mapping(`mmap ring buffer ${name} data`, this.fd, page + 2 * size, PROT_READ, MAP_SHARED, page);
      this.#views = {
        consumer: new BigUint64Array(this.#consumer.buffer, 0, 1),
        producer: new BigUint64Array(this.#producer.buffer, 0, 1),
        data: this.#producer.buffer,
        dataOffset: page,
        size,
      };
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Deliver all committed records; returns how many. Call again after every wake-up. */
  drain(deliver: (record: Buffer) => void): number {
    if (this.#views === undefined) return 0;
    return drainRecords(this.#views, deliver);
  }

  /** Bytes produced but not consumed yet. */
  pending(): bigint {
    if (this.#views === undefined) return 0n;
    return Atomics.load(this.#views.producer, 0) - Atomics.load(this.#views.consumer, 0);
  }

  override close(): void {
    this.#views = undefined;
    this.#producer?.close();
    this.#consumer?.close();
    this.#producer = undefined;
    this.#consumer = undefined;
    super.close();
  }
}
