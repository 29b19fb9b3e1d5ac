// Little-endian field access on copied target memory (x86_64/aarch64 are both LE).

export function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
// Hot path (every frame of every sample): plain index arithmetic, no DataView per call.
// The `as number` casts below are safe: at() has checked that every index is inside the array.
function at(b: Uint8Array, off: number, n: number): void {
  if (off < 0 || off + n > b.length) throw new RangeError(`offset ${off}+${n} outside ${b.length} bytes`);
}
export function u32(b: Uint8Array, off: number): number {
  at(b, off, 4);
  return ((b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16) | ((b[off + 3] as number) << 24)) >>> 0;
}
export function i32(b: Uint8Array, off: number): number {
  return u32(b, off) | 0;
}
export function u16(b: Uint8Array, off: number): number {
  at(b, off, 2);
  return (b[off] as number) | ((b[off + 1] as number) << 8);
}
export function u64(b: Uint8Array, off: number): bigint {
  const lo = u32(b, off), hi = u32(b, off + 4);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
export function i64(b: Uint8Array, off: number): bigint {
  return BigInt.asIntN(64, u64(b, off));
}
export function u8(b: Uint8Array, off: number): number {
  const v = b[off];
  if (v === undefined) throw new RangeError(`offset ${off} outside ${b.length} bytes`);
  return v;
}
export function i8(b: Uint8Array, off: number): number {
  const v = u8(b, off);
  return v > 127 ? v - 256 : v;
}
export function cstring(b: Uint8Array, off = 0): string {
  let end = b.indexOf(0, off);
  if (end < 0) end = b.length;
  return Buffer.from(b.buffer, b.byteOffset + off, end - off).toString("latin1");
}
export const hex = (a: bigint): string => `0x${a.toString(16)}`;

/**
 * A pointer-sized field as a JS number. Only for the per-frame hot path: user-space addresses
 * are below 2^48 on x86_64 and aarch64, so doubles hold them exactly, and number arithmetic and
 * Map keys cost far less than bigint ones. Values ≥ 2^53 come back as NaN (never a valid pointer).
 */
export function ptrn(b: Uint8Array, off: number): number {
  const lo = u32(b, off), hi = u32(b, off + 4);
  return hi >= 0x200000 ? NaN : hi * 0x100000000 + lo;
}

/** ptrn with the low tag bits in `mask` cleared (3.14 _PyStackRef), without float modulo. */
export function ptrnMasked(b: Uint8Array, off: number, mask: number): number {
  const lo = (u32(b, off) & ~mask) >>> 0, hi = u32(b, off + 4);
  return hi >= 0x200000 ? NaN : hi * 0x100000000 + lo;
}

/** Low bits of an address held as a number (exact: ToInt32 keeps the low 32 bits of an integer). */
export const lowBits = (addr: number, mask: number): number => addr & mask;
