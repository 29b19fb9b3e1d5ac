// frames: which frames a human wants to see. asyncio/stdlib frames are folded in the console
// (the JSON keeps every frame).
import type { ReportFrame } from "./model.js";

// A CPython stdlib file: .../lib/python3.X/<module> but not site-/dist-packages, or frozen.
const STDLIB = /\/lib\/python3\.\d+t?\/(?!site-packages\/|dist-packages\/)|^<frozen /;

export function isStdlibFrame(f: ReportFrame): boolean {
  return STDLIB.test(f.file);
}

/** Frames root→leaf for "most recent call last", with stdlib frames dropped unless none remain. */
export function visibleFrames(innermostFirst: readonly ReportFrame[]): { frames: ReportFrame[]; hidden: number } {
  const rootFirst = [...innermostFirst].reverse();
  const own = rootFirst.filter((f) => !isStdlibFrame(f));
  if (own.length === 0) return { frames: rootFirst, hidden: 0 };
  return { frames: own, hidden: rootFirst.length - own.length };
}

/** The innermost frame that is the application's own: the blocking call site. */
export function callSite(innermostFirst: readonly ReportFrame[]): ReportFrame | undefined {
  return innermostFirst.find((f) => !isStdlibFrame(f)) ?? innermostFirst[0];
}
