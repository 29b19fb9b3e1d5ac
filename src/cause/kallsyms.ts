// Kernel symbols from /proc/kallsyms: parsed once, binary-searched per address, cached per process.
// As root (kptr_restrict ≤ 1 with CAP_SYSLOG) addresses are real; otherwise they read as zeros
// and nothing resolves (linux 6.18 kernel/kallsyms.c, s_show / kallsyms_show_value).
//
// ~120k code symbols on a 6.18 kernel: kept as typed arrays (address halves, name spans) over one
// string of the names, not one object and one BigInt per symbol (that was 63 MB and 300 ms), nor
// the 5.4 MB file text. Reading the file costs the kernel 60–90 ms: preloadKallsyms() reads it
// early, in 256 KiB pieces on libuv's threadpool and parses each as it comes, so the first kernel
// stack of a session neither stalls the tool while a block is being sampled nor leaves tens of
// MB of transient garbage in its RSS.
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";

export interface KernelSymbol {
  address: bigint;
  name: string;
  module: string | null;
}

const TWO32 = 0x1_0000_0000;

export class Kallsyms {
  readonly #names: string; // every name, back to back
  readonly #hi: Uint32Array; // address >> 32, sorted with #lo
  readonly #lo: Uint32Array;
  readonly #name: Uint32Array; // start, end pairs into #names
  readonly #module: ReadonlyMap<number, string>; // by index, for the few module symbols

  constructor(names: string, hi: Uint32Array, lo: Uint32Array, name: Uint32Array, module: ReadonlyMap<number, string>) {
    this.#names = names;
    this.#hi = hi;
    this.#lo = lo;
    this.#name = name;
    this.#module = module;
  }

  get size(): number {
    return this.#hi.length;
  }

  #address(i: number): bigint {
    return (BigInt(this.#hi[i] ?? 0) << 32n) | BigInt(this.#lo[i] ?? 0);
  }

  #symbol(i: number): KernelSymbol {
    return { address: this.#address(i), name: this.#names.slice(this.#name[i * 2], this.#name[i * 2 + 1]), module: this.#module.get(i) ?? null };
  }
  /** The symbol containing `addr` (the last one at or below it), or undefined below the first. */
  lookup(addr: bigint): { symbol: KernelSymbol; offset: bigint } | undefined {
    const hi = Number(addr >> 32n);
    const lo = Number(addr & 0xffff_ffffn);
    const below = (i: number) => (this.#hi[i] ?? 0) < hi || ((this.#hi[i] ?? 0) === hi && (this.#lo[i] ?? 0) <= lo);
    if (this.size === 0 || !below(0)) return undefined;
    let a = 0;
    let b = this.size - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (below(mid)) a = mid;
      else b = mid - 1;
    }
    const symbol = this.#symbol(a);
    return { symbol, offset: addr - symbol.address };
  }

  /** "name" or "name [module]"; "0x…" when unknown. */
  describe(addr: bigint): string {
    const hit = this.lookup(addr);
    if (hit === undefined) return `0x${addr.toString(16)}`;
    return hit.symbol.module === null ? hit.symbol.name : `${hit.symbol.name} [${hit.symbol.module}]`;
  }
}

/** Collects symbols line by line, in any order; finish() sorts them by address. */
class Builder {
  #hi = new Uint32Array(1 << 14);
  #lo = new Uint32Array(1 << 14);
  #end = new Uint32Array(1 << 14); // end of each name in the names string (names are back to back)
  #modules = new Map<number, string>();
  #chunks: string[] = []; // the names of each piece, joined (flat: no slice keeps a piece alive)
  #used = 0;
  #n = 0;
  #sorted = true;

  /** Complete lines only: "ffffffff81000000 T _stext" or "… t name\t[module]". Zero addresses (hidden) are dropped. */
  feed(text: string): void {
    const names: string[] = [];
    for (let pos = 0; pos < text.length; ) {
      let eol = text.indexOf("\n", pos);
      if (eol < 0) eol = text.length;
      const sp1 = text.indexOf(" ", pos);
      const type = text.charCodeAt(sp1 + 1) | 0x20; // lower case
      // code symbols only (t, w): stack entries are return addresses
      if (sp1 > pos && sp1 < eol && text.charCodeAt(sp1 + 2) === 0x20 && (type === 0x74 || type === 0x77)) {
        const digits = sp1 - pos;
        const hi = digits > 8 ? parseInt(text.slice(pos, sp1 - 8), 16) : 0;
        const lo = parseInt(text.slice(Math.max(pos, sp1 - 8), sp1), 16);
        const nameStart = sp1 + 3;
        let nameEnd = nameStart;
        while (nameEnd < eol && text.charCodeAt(nameEnd) > 0x20) nameEnd++;
        if ((hi !== 0 || lo !== 0) && Number.isFinite(hi) && Number.isFinite(lo) && hi < TWO32 && nameEnd > nameStart) {
          // "name\t[module]": the module, when there is one, follows the name on the same line
          const open = text.charCodeAt(nameEnd) === 0x09 && text.charCodeAt(nameEnd + 1) === 0x5b ? nameEnd + 1 : -1;
          const close = open >= 0 ? text.indexOf("]", open) : -1;
          names.push(text.slice(nameStart, nameEnd));
          this.#add(hi, lo, nameEnd - nameStart, open >= 0 && close > open && close < eol ? text.slice(open + 1, close) : null);
        }
      }
      pos = eol + 1;
    }
    this.#chunks.push(names.join(""));
  }

  #add(hi: number, lo: number, nameLength: number, module: string | null): void {
    const i = this.#n;
    if (i === this.#hi.length) {
      const grow = (a: Uint32Array) => {
        const g = new Uint32Array(a.length * 2);
        g.set(a);
        return g;
      };
      [this.#hi, this.#lo, this.#end] = [grow(this.#hi), grow(this.#lo), grow(this.#end)];
    }
    if (i > 0) {
      const ph = this.#hi[i - 1] ?? 0;
      if (hi < ph || (hi === ph && lo < (this.#lo[i - 1] ?? 0))) this.#sorted = false;
    }
    this.#hi[i] = hi;
    this.#lo[i] = lo;
    this.#used += nameLength;
    this.#end[i] = this.#used;
    if (module !== null) this.#modules.set(i, module);
    this.#n++;
  }

  finish(): Kallsyms {
    const n = this.#n;
    const names = this.#chunks.join("");
    this.#chunks = [];
    const startOf = (i: number) => (i === 0 ? 0 : (this.#end[i - 1] ?? 0));
    // /proc/kallsyms is almost sorted (the core kernel is; modules follow): usually nothing to do
    const order = this.#sorted ? undefined : Array.from({ length: n }, (_, i) => i).sort((a, b) => (this.#hi[a] ?? 0) - (this.#hi[b] ?? 0) || (this.#lo[a] ?? 0) - (this.#lo[b] ?? 0));
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    const name = new Uint32Array(n * 2);
    const modules = new Map<number, string>();
    for (let dst = 0; dst < n; dst++) {
      const src = order === undefined ? dst : (order[dst] ?? 0);
      hi[dst] = this.#hi[src] ?? 0;
      lo[dst] = this.#lo[src] ?? 0;
      name[dst * 2] = startOf(src);
      name[dst * 2 + 1] = this.#end[src] ?? 0;
      const m = this.#modules.get(src);
      if (m !== undefined) modules.set(dst, m);
    }
    return new Kallsyms(names, hi, lo, name, modules);
  }
}

/** Parse kallsyms text (whole lines). */
export function parseKallsyms(input: string | Buffer): Kallsyms {
  const b = new Builder();
  b.feed(typeof input === "string" ? input : input.toString("latin1"));
  return b.finish();
}

/** Bytes read per piece by preloadKallsyms. */
const PIECE = 256 * 1024;

async function readPieces(path: string): Promise<Kallsyms> {
  const f = await open(path, "r");
  try {
    const b = new Builder();
    const buf = Buffer.alloc(PIECE);
    let carry = "";
    for (;;) {
      const { bytesRead } = await f.read(buf, 0, PIECE, null);
      if (bytesRead === 0) break;
      const text = carry + buf.toString("latin1", 0, bytesRead);
      const cut = text.lastIndexOf("\n") + 1; // a line may span two pieces
      b.feed(text.slice(0, cut));
      carry = text.slice(cut);
    }
    if (carry.length > 0) b.feed(carry);
    return b.finish();
  } finally {
    await f.close();
  }
}

let cached: Kallsyms | undefined;
let loading: Promise<void> | undefined;

/** /proc/kallsyms, read once per process (synchronously if preloadKallsyms has not finished). */
export function loadKallsyms(path = "/proc/kallsyms"): Kallsyms {
  if (cached === undefined) cached = parseKallsyms(readFileSync(path));
  return cached;
}

/** Read and parse /proc/kallsyms ahead of need, the read on libuv's threadpool. Never rejects. */
export function preloadKallsyms(path = "/proc/kallsyms"): Promise<void> {
  loading ??= readPieces(path).then(
    (k) => {
      cached ??= k;
    },
    () => undefined, // loadKallsyms will try again, and say nothing worse than "0x…" frames
  );
  return loading;
}
