// Short, safe renderings of simple Python values (int, float, bool, None, short str/bytes);
// anything else is shown by its type name. Used by dump --locals and task names.
import { i64, u32, u64 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import type { ObjectReader } from "./objects.js";

const SHORT = 60;

/** Value of a small int (a few 30-bit digits); null when it does not fit a JS number exactly. */
export function readInt(objs: ObjectReader, layout: PythonLayout, obj: bigint): number | null {
  const h = objs.mem.read(obj, 40);
  let ndigits: number, negative: boolean;
  if (layout.version.minor >= 12) {
    // 3.12+: lv_tag @16 = ndigits << 3 | sign (0 positive, 1 zero, 2 negative)
    const tag = u64(h, 16);
    ndigits = Number(tag >> 3n);
    negative = (tag & 3n) === 2n;
    if ((tag & 3n) === 1n) return 0;
  } else {
    // ≤3.11: ob_size @16 is the signed digit count
    const size = Number(i64(h, 16));
    ndigits = Math.abs(size);
    negative = size < 0;
  }
  if (ndigits === 0) return 0;
  if (ndigits > 1) return ndigits === 2 ? sign(u32(h, 24) + u32(h, 28) * 2 ** 30, negative) : null;
  return sign(u32(h, 24), negative);
}
const sign = (v: number, neg: boolean): number => (neg ? -v : v);

export function renderValue(objs: ObjectReader, layout: PythonLayout, obj: bigint): string {
  const type = objs.typeName(obj);
  switch (type) {
    case "NoneType":
      return "None";
    case "bool":
      return readInt(objs, layout, obj) === 0 ? "False" : "True";
    case "int": {
      const v = readInt(objs, layout, obj);
      return v === null ? "<int>" : String(v);
    }
    case "float": {
      const b = objs.mem.read(obj + 16n, 8); // PyFloatObject.ob_fval
      return pyFloat(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true));
    }
    case "str": {
      const s = objs.str(obj);
      return s.length > SHORT ? `<str len=${s.length}>` : pyRepr(s);
    }
    case "bytes": {
      const b = objs.bytes(obj, 4096);
      return b.length > SHORT ? `<bytes len=${b.length}>` : `b${pyRepr(Buffer.from(b).toString("latin1"))}`;
    }
    default:
      return `<${type}>`;
  }
}

function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + q;
}
