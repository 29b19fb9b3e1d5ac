// Walking a map many times a second without garbage: key, next key, value and the three attrs
// live in one off-heap ArrayBuffer (a `new ArrayBuffer` backing store never moves, so the
// addresses written into the attrs stay valid), encoded once. The toolkit's BpfMap.keys() and
// lookup() allocate a key, a value and an attr per call: fine once a second, not 200 times.
import { BpfCmd, ENOENT, MapElemAttr, bpfRaw, encodeAttr, syscallError } from "./sys/index.js";

/** Where the key, next key, attrs and value sit in the walker's memory. */
const KEY_AT = 0;
const NEXT_AT = 64;
const ATTRS_AT = 128;
const VALUE_AT = 320;

export class MapWalker {
  readonly #key: Buffer;
  readonly #next: Buffer;
  readonly #value: Buffer;
  readonly #lookupAttr: Buffer;
  readonly #firstAttr: Buffer;
  readonly #nextAttr: Buffer;

  /** `fd`: a hash or array map with keys of `keySize` (≤ 64) and values of `valueSize` bytes. Not owned. */
  constructor(fd: number, keySize: number, valueSize: number) {
    if (keySize > 64) throw new RangeError(`MapWalker: keys of ${keySize} bytes, at most 64`);
    const mem = new ArrayBuffer(VALUE_AT + valueSize);
    this.#key = Buffer.from(mem, KEY_AT, keySize);
    this.#next = Buffer.from(mem, NEXT_AT, keySize);
    this.#value = Buffer.from(mem, VALUE_AT, valueSize);
    const attr = (i: number) => Buffer.from(mem, ATTRS_AT + i * 64, MapElemAttr.size);
    this.#lookupAttr = attr(0);
    encodeAttr(MapElemAttr, { map_fd: fd, key: this.#key, value: this.#value }).copy(this.#lookupAttr);
    this.#firstAttr = attr(1);
    encodeAttr(MapElemAttr, { map_fd: fd, value: this.#next }).copy(this.#firstAttr); // key NULL: the first key
    this.#nextAttr = attr(2);
    encodeAttr(MapElemAttr, { map_fd: fd, key: this.#key, value: this.#next }).copy(this.#nextAttr);
  }

  /**
   * Call `visit(key, value)` for each entry (a snapshot: entries may come and go meanwhile). Both
   * buffers are reused for the next entry: copy what must outlive the call. At most `limit`.
   */
  forEach(visit: (key: Buffer, value: Buffer) => void, limit = 65_536): void {
    let attr = this.#firstAttr;
    for (let i = 0; i < limit; i++) {
      const r = bpfRaw(BpfCmd.MapGetNextKey, attr, MapElemAttr.size);
      if (r < 0) {
        if (-r === ENOENT) return;
        throw syscallError("bpf map next key", -r);
      }
      attr = this.#nextAttr;
      this.#next.copy(this.#key); // the next call continues after this key; the lookup reads it
      const l = bpfRaw(BpfCmd.MapLookupElem, this.#lookupAttr, MapElemAttr.size);
      if (l < 0) {
        if (-l === ENOENT) continue; // deleted between the two calls
        throw syscallError("bpf map lookup", -l);
      }
      visit(this.#key, this.#value);
    }
  }
}
