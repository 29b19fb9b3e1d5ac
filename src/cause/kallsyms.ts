// Kernel symbols from /proc/kallsyms: parsed once, binary-searched per address, cached per process.
// As root (kptr_restrict ≤ 1 with CAP_SYSLOG) addresses are real; otherwise they read as zeros
// and nothing resolves (linux 6.18 kernel/kallsyms.c, s_show / kallsyms_show_value).
//
// ~120k code symbols on a 6.18 kernel: kept as the file's text plus typed arrays (address halves,
// name/module offsets), not one object and one BigInt per symbol — that was 63 MB and 300 ms.
import { readFileSync } from "node:fs";

export interface KernelSymbol {
  address: bigint;
  name: string;
  module: string | null;
}

const TWO32 = 0x1_0000_0000;

export class Kallsyms {
  readonly #text: string;
  readonly #hi: Uint32Array; // address >> 32, sorted with #lo
  readonly #lo: Uint32Array;
  readonly #name: Uint32Array; // start, end pairs into #text
  readonly #module: Uint32Array; // start, end pairs (equal: no module)

  /** `spans[i]` = [hi, lo, nameStart, nameEnd, modStart, modEnd] into `text`, in any order. */
  constructor(text: string, spans: Float64Array, count: number) {
    const order = Array.from({ length: count }, (_, i) => i);
    const at = (i: number, f: number) => spans[i * 6 + f] ?? 0;
    order.sort((a, b) => at(a, 0) - at(b, 0) || at(a, 1) - at(b, 1));
    this.#text = text;
    this.#hi = new Uint32Array(count);
    this.#lo = new Uint32Array(count);
    this.#name = new Uint32Array(count * 2);
    this.#module = new Uint32Array(count * 2);
    order.forEach((src, dst) => {
      this.#hi[dst] = at(src, 0);
      this.#lo[dst] = at(src, 1);
      this.#name[dst * 2] = at(src, 2);
      this.#name[dst * 2 + 1] = at(src, 3);
      this.#module[dst * 2] = at(src, 4);
      this.#module[dst * 2 + 1] = at(src, 5);
    });
  }

  get size(): number {
    return this.#hi.length;
  }

  #address(i: number): bigint {
    return (BigInt(this.#hi[i] ?? 0) << 32n) | BigInt(this.#lo[i] ?? 0);
  }

  #symbol(i: number): KernelSymbol {
    const [ms, me] = [this.#module[i * 2] ?? 0, this.#module[i * 2 + 1] ?? 0];
    return { address: this.#address(i), name: this.#text.slice(this.#name[i * 2], this.#name[i * 2 + 1]), module: ms === me ? null : this.#text.slice(ms, me) };
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

/** Parse kallsyms text: "ffffffff81000000 T _stext" or "… t name\t[module]". Zero addresses (hidden) are dropped. */
export function parseKallsyms(text: string): Kallsyms {
  let spans = new Float64Array(6 * 1024);
  let n = 0;
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
      // "name\t[module]": the module, when there is one, follows the name on the same line
      const open = text.charCodeAt(nameEnd) === 0x09 && text.charCodeAt(nameEnd + 1) === 0x5b ? nameEnd + 1 : -1;
      const hasModule = open >= 0;
      const close = hasModule ? text.indexOf("]", open) : -1;
      if ((hi !== 0 || lo !== 0) && Number.isFinite(hi) && Number.isFinite(lo) && hi < TWO32 && nameEnd > nameStart) {
        if ((n + 1) * 6 > spans.length) {
          const grown = new Float64Array(spans.length * 2);
          grown.set(spans);
          spans = grown;
        }
        const o = n * 6;
        spans[o] = hi;
        spans[o + 1] = lo;
        spans[o + 2] = nameStart;
        spans[o + 3] = nameEnd;
        spans[o + 4] = hasModule && close > open && close < eol ? open + 1 : 0;
        spans[o + 5] = hasModule && close > open && close < eol ? close : 0;
        n++;
      }
    }
    pos = eol + 1;
  }
  return new Kallsyms(text, spans, n);
}

let cached: Kallsyms | undefined;
/** /proc/kallsyms, read once per process. */
export function loadKallsyms(path = "/proc/kallsyms"): Kallsyms {
  if (cached === undefined) cached = parseKallsyms(readFileSync(path, "utf8"));
  return cached;
}
