// Instruction offset → source line, for the three line-table formats CPython has used.
// Every decoder is bounded by the table length; malformed input gives null, never a throw.
import type { LineFormat } from "./layout/types.js";

/** 3.8/3.9 co_lnotab: (addr_incr u8, line_incr i8) pairs; Objects/lnotab_notes.txt (3.8). */
export function lnotabLine(tab: Uint8Array, firstLine: number, byteOffset: number): number {
  let line = firstLine;
  let addr = 0;
  for (let i = 0; i + 1 < tab.length; i += 2) {
    addr += tab[i] ?? 0;
    if (addr > byteOffset) break;
    const d = tab[i + 1] ?? 0;
    line += d > 127 ? d - 256 : d; // line deltas are signed since 3.6
  }
  return line;
}

/** 3.10 co_linetable: (start_delta u8, line_delta i8) pairs; -128 means "no line" (3.10 lnotab_notes). */
export function linetable310Line(tab: Uint8Array, firstLine: number, byteOffset: number): number | null {
  let line = firstLine;
  let end = 0;
  for (let i = 0; i + 1 < tab.length; i += 2) {
    const start = end;
    end += tab[i] ?? 0;
    const d = tab[i + 1] ?? 0;
    const noLine = d === 128;
    if (!noLine) line += d > 127 ? d - 256 : d;
    if (byteOffset >= start && byteOffset < end) return noLine ? null : line;
  }
  return null;
}

/** 3.11+ location table (Objects/locations.md; InternalDocs/code_objects.md in 3.13+). */
export function locationsLine(tab: Uint8Array, firstLine: number, byteOffset: number): number | null {
  let line = firstLine;
  let addr = 0;
  let i = 0;
  const varint = (): number => {
    let shift = 0, v = 0, b: number;
    do {
      if (i >= tab.length || shift > 28) return NaN;
      b = tab[i++] ?? 0;
      v |= (b & 63) << shift;
      shift += 6;
    } while (b & 64);
    return v;
  };
  const svarint = (): number => {
    const v = varint();
    return v & 1 ? -(v >>> 1) : v >>> 1;
  };
  for (let entries = 0; i < tab.length && entries < 65536; entries++) {
    const first = tab[i++] ?? 0;
    if ((first & 0x80) === 0) return null; // lost sync: not an entry start
    const code = (first >> 3) & 15;
    const end = addr + ((first & 7) + 1) * 2;
    let has = true;
    if (code === 15) has = false;
    else if (code === 14) {
      line += svarint();
      varint(); varint(); varint();
    } else if (code === 13) line += svarint();
    else if (code >= 10) {
      line += code - 10;
      i += 2;
    } else i += 1;
    if (Number.isNaN(line)) return null;
    if (byteOffset >= addr && byteOffset < end) return has ? line : null;
    addr = end;
  }
  return null;
}

export function lineFor(format: LineFormat, tab: Uint8Array, firstLine: number, byteOffset: number): number | null {
  if (byteOffset < 0) return firstLine; // not started yet: CPython reports co_firstlineno
  switch (format) {
    case "lnotab":
      return lnotabLine(tab, firstLine, byteOffset);
    case "linetable310":
      return linetable310Line(tab, firstLine, byteOffset);
    case "locations":
      return locationsLine(tab, firstLine, byteOffset);
  }
}
