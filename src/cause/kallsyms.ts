// Kernel symbols from /proc/kallsyms: sorted once, binary-searched per address, cached per process.
// As root (kptr_restrict ≤ 1 with CAP_SYSLOG) addresses are real; otherwise they read as zeros
// and nothing resolves (linux 6.18 kernel/kallsyms.c, s_show / kallsyms_show_value).
import { readFileSync } from "node:fs";

export interface KernelSymbol {
  address: bigint;
  name: string;
  module: string | null;
}

export class Kallsyms {
  readonly #addrs: BigUint64Array;
  readonly #syms: KernelSymbol[];

  /** `symbols` need not be sorted. */
  constructor(symbols: readonly KernelSymbol[]) {
    this.#syms = [...symbols].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.#addrs = BigUint64Array.from(this.#syms.map((s) => s.address));
  }

  get size(): number {
    return this.#syms.length;
  }

  /** The symbol containing `addr` (the last one at or below it), or undefined below the first. */
  lookup(addr: bigint): { symbol: KernelSymbol; offset: bigint } | undefined {
    let lo = 0;
    let hi = this.#addrs.length - 1;
    if (hi < 0 || addr < (this.#addrs[0] ?? 0n)) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#addrs[mid] ?? 0n) <= addr) lo = mid;
      else hi = mid - 1;
    }
    const symbol = this.#syms[lo];
    return symbol === undefined ? undefined : { symbol, offset: addr - symbol.address };
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
  const out: KernelSymbol[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-fA-F]+) (\S) (\S+)(?:\s+\[(\S+)\])?/.exec(line);
    if (m === null) continue;
    const address = BigInt(`0x${m[1] ?? "0"}`);
    if (address === 0n) continue;
    const type = (m[2] ?? "").toLowerCase();
    if (type !== "t" && type !== "w") continue; // code symbols only: stack entries are return addresses
    out.push({ address, name: m[3] ?? "", module: m[4] ?? null });
  }
  return new Kallsyms(out);
}

let cached: Kallsyms | undefined;
/** /proc/kallsyms, read once per process. */
export function loadKallsyms(path = "/proc/kallsyms"): Kallsyms {
  if (cached === undefined) cached = parseKallsyms(readFileSync(path, "utf8"));
  return cached;
}
