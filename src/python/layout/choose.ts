// The one place that maps a detected version to its PythonLayout.
import { ToolError } from "../../errors.js";
import { type AsyncioDebugOffsets, layoutFromDebugOffsets } from "./debug-offsets.js";
import { layoutFor38to310 } from "./legacy.js";
import type { PythonLayout, PythonVersion } from "./types.js";
import { layout311 } from "./v3_11.js";
import { layout312 } from "./v3_12.js";

export const SUPPORTED = "3.8–3.14";

export function versionString(v: PythonVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

/**
 * x86_64 and aarch64 (both LP64) share every layout except where a pthread_mutex_t (40 vs 48
 * bytes) sits before a field: of ours only 3.11's _PyRuntime.gilstate.tstate_current.
 * 3.13+ read their offsets from the target either way.
 */
export function chooseLayout(v: PythonVersion, debugOffsets: Uint8Array | null, aio: AsyncioDebugOffsets | null = null, arch: "x86_64" | "aarch64" = "x86_64"): PythonLayout {
  if (v.major === 3) {
    if (v.minor >= 8 && v.minor <= 10) {
      const l = layoutFor38to310(v);
      if (l !== null) return l;
    }
    if (v.minor === 11) return layout311(v, arch);
    if (v.minor === 12) return layout312(v);
    if ((v.minor === 13 || v.minor === 14) && debugOffsets !== null) return layoutFromDebugOffsets(v, debugOffsets, aio);
  }
  throw new ToolError("unsupported-python", `Python ${versionString(v)} is not supported (supported: ${SUPPORTED})`);
}

export function versionFromHex(hex: number): PythonVersion {
  return { major: (hex >>> 24) & 0xff, minor: (hex >>> 16) & 0xff, micro: (hex >>> 8) & 0xff, hex };
}
