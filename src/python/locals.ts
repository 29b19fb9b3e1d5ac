// Local variables of one frame, best effort: 3.11+ localsplus named by co_localsplusnames;
// 3.8–3.10 f_localsplus named by co_varnames (first co_nlocals). Never throws on bad data.
import { i32, u64 } from "./bytes.js";
import type { CodeInfo } from "./code.js";
import type { RawFrame } from "./frames.js";
import type { PythonLayout } from "./layout/types.js";
import type { ObjectReader } from "./objects.js";
import type { LocalVar } from "./types.js";
import { renderValue } from "./values.js";

const MAX_LOCALS = 64;

export function readLocals(objs: ObjectReader, layout: PythonLayout, raw: RawFrame | undefined, code: CodeInfo | undefined): LocalVar[] {
  if (raw === undefined || code === undefined) return [];
  try {
    let names = objs.tuple(u64(code.header, layout.code.varnames), 1024).map((p) => objs.str(p));
    if (layout.code.nlocals !== null) names = names.slice(0, Math.max(0, i32(code.header, layout.code.nlocals)));
    names = names.slice(0, MAX_LOCALS);
    if (names.length === 0) return [];
    const vals = objs.mem.read(BigInt(raw.frame) + BigInt(layout.frame.localsplus), names.length * 8);
    const out: LocalVar[] = [];
    names.forEach((name, i) => {
      const v = u64(vals, i * 8) & layout.frame.codeTagMask; // 3.14 stack refs carry tag bits
      if (v === 0n) return; // unbound
      let value: string;
      try {
        value = renderValue(objs, layout, v);
      } catch {
        value = "<unreadable>";
      }
      out.push({ name, value });
    });
    return out;
  } catch {
    return [];
  }
}
