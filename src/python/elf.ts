// Minimal ELF64 little-endian reader: program headers (PT_LOAD, for the load bias), section
// headers by name, and symbol lookup in .dynsym/.symtab. Reads only the parts it needs.
import { closeSync, openSync, readSync } from "node:fs";
import { ToolError } from "../errors.js";
import { cstring, u16, u32, u64 } from "./bytes.js";

export interface ByteSource {
  read(off: number, len: number): Uint8Array;
}

export function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, "r");
  return {
    read(off, len) {
      const b = new Uint8Array(len);
      const n = readSync(fd, b, 0, len, off);
      if (n < len) throw new ToolError("not-python", `read ${path}: truncated ELF at ${off}+${len}`);
      return b;
    },
    close() {
      closeSync(fd);
    },
  };
}

export const bufferSource = (b: Uint8Array): ByteSource => ({
  read(off, len) {
    if (off + len > b.length) throw new ToolError("not-python", `truncated ELF at ${off}+${len}`);
    return b.subarray(off, off + len);
  },
});

export interface Segment { vaddr: bigint; offset: bigint; filesz: bigint; memsz: bigint; align: bigint; flags: number }
export interface Section { name: string; type: number; addr: bigint; offset: bigint; size: bigint; link: number; entsize: bigint }
export interface ElfSymbol { value: bigint; size: bigint }

const PT_LOAD = 1;
export const EM_X86_64 = 62, EM_AARCH64 = 183;

export class ElfFile {
  readonly type: number; // 2 = ET_EXEC, 3 = ET_DYN
  readonly machine: number;
  readonly loads: Segment[] = [];
  readonly sections = new Map<string, Section>();
  private readonly src: ByteSource;

  constructor(src: ByteSource) {
    this.src = src;
    const h = src.read(0, 64);
    if (h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) throw new ToolError("not-python", "not an ELF file");
    if (h[4] !== 2 || h[5] !== 1) throw new ToolError("not-python", "not a 64-bit little-endian ELF file");
    this.type = u16(h, 16);
    this.machine = u16(h, 18);
    const phoff = Number(u64(h, 32)), shoff = Number(u64(h, 40));
    const phentsize = u16(h, 54), phnum = u16(h, 56), shentsize = u16(h, 58), shnum = u16(h, 60), shstrndx = u16(h, 62);
    if (phnum > 0) {
      const ph = src.read(phoff, phentsize * phnum);
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        if (u32(ph, o) !== PT_LOAD) continue;
        this.loads.push({
          flags: u32(ph, o + 4), offset: u64(ph, o + 8), vaddr: u64(ph, o + 16),
          filesz: u64(ph, o + 32), memsz: u64(ph, o + 40), align: u64(ph, o + 48),
        });
      }
    }
    if (shnum > 0 && shoff > 0) {
      const sh = src.read(shoff, shentsize * shnum);
      const raw: Omit<Section, "name">[] = [];
      const names: number[] = [];
      for (let i = 0; i < shnum; i++) {
        const o = i * shentsize;
        names.push(u32(sh, o));
        raw.push({ type: u32(sh, o + 4), addr: u64(sh, o + 16), offset: u64(sh, o + 24), size: u64(sh, o + 32), link: u32(sh, o + 40), entsize: u64(sh, o + 56) });
      }
      const strs = raw[shstrndx];
      if (strs !== undefined) {
        const tab = src.read(Number(strs.offset), Number(strs.size));
        raw.forEach((s, i) => {
          const name = cstring(tab, names[i] ?? 0);
          if (!this.sections.has(name)) this.sections.set(name, { name, ...s });
        });
      }
    }
  }

  /** Look up symbols by exact name in .dynsym, then .symtab. Absent names are left out. */
  symbols(wanted: readonly string[]): Map<string, ElfSymbol> {
    const found = new Map<string, ElfSymbol>();
    for (const [tab, strtab] of [[".dynsym", ".dynstr"], [".symtab", ".strtab"]] as const) {
      if (found.size === wanted.length) break;
      const s = this.sections.get(tab), st = this.sections.get(strtab);
      if (s === undefined || st === undefined || s.type === 8 /* SHT_NOBITS */) continue;
      const syms = this.src.read(Number(s.offset), Number(s.size));
      const names = this.src.read(Number(st.offset), Number(st.size));
      const want = new Map<string, Uint8Array>(wanted.filter((w) => !found.has(w)).map((w) => [w, Buffer.from(w + "\0", "latin1")]));
      for (let o = 0; o + 24 <= syms.length; o += 24) {
        const shndx = u16(syms, o + 6);
        if (shndx === 0) continue; // undefined (imported) symbol
        const n = u32(syms, o);
        const first = names[n];
        for (const [w, bytes] of want) {
          if (first !== bytes[0] || !matchAt(names, n, bytes)) continue;
          found.set(w, { value: u64(syms, o + 8), size: u64(syms, o + 16) });
          want.delete(w);
          break;
        }
        if (want.size === 0) break;
      }
    }
    return found;
  }

  /** Load bias given where the file's offset-0 mapping starts in the target. */
  bias(mappedStartOfOffset0: bigint): bigint {
    const first = this.loads[0];
    if (first === undefined) return mappedStartOfOffset0;
    const align = first.align > 0n ? first.align : 0x1000n;
    return mappedStartOfOffset0 - (first.vaddr - (first.vaddr % align));
  }
}

function matchAt(tab: Uint8Array, at: number, bytes: Uint8Array): boolean {
  if (at + bytes.length > tab.length) return false;
  for (let i = 0; i < bytes.length; i++) if (tab[at + i] !== bytes[i]) return false;
  return true;
}
