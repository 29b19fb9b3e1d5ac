// Which thread state holds the GIL, per version (research notes §2.7).
import { i32, u64 } from "./bytes.js";
import type { GilLayout } from "./layout/types.js";
import type { ProcessMemory } from "./memory/types.js";

export function gilHolder(mem: ProcessMemory, gil: GilLayout, runtime: bigint, interp: bigint): bigint | null {
  switch (gil.kind) {
    case "runtime-current": {
      // 3.8–3.11: _PyRuntime.gilstate.tstate_current is NULL while nobody holds the GIL
      const ts = u64(mem.read(runtime + BigInt(gil.offset), 8), 0);
      return ts === 0n ? null : ts;
    }
    case "gil-pointer": {
      // 3.12: interp->ceval.gil -> _gil_runtime_state; last_holder is only meaningful while locked
      const g = u64(mem.read(interp + BigInt(gil.interpPtr), 8), 0);
      if (g === 0n) return null;
      const b = mem.read(g, Math.max(gil.holder, gil.locked) + 8);
      return i32(b, gil.locked) !== 0 ? u64(b, gil.holder) : null;
    }
    case "interp": {
      // 3.13+: the interpreter's own _gil, positions from _Py_DebugOffsets
      const lo = Math.min(gil.holder, gil.locked);
      const b = mem.read(interp + BigInt(lo), Math.max(gil.holder, gil.locked) + 8 - lo);
      return i32(b, gil.locked - lo) !== 0 ? u64(b, gil.holder - lo) : null;
    }
  }
}
