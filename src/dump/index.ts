// dump: print every Python thread of a live process once (text or JSON), without stopping it.
// The CLI calls runDump; clear failures are thrown as ToolError (not-python, unsupported-python,
// permission with a CAP_SYS_PTRACE hint, not-found), everything else returns an exit code.
import { collect } from "./collect.js";
import { renderText } from "./render.js";

export type { DumpDocument, DumpFrame, DumpThread, DumpTask, DumpLocal } from "./collect.js";
export { collect, collectFrom } from "./collect.js";
export { renderText } from "./render.js";

export interface DumpOptions {
  pid: number;
  json: boolean;
  locals: boolean;
}

export function runDump(opts: DumpOptions, out: (s: string) => void): number {
  const doc = collect({ pid: opts.pid, locals: opts.locals });
  out(opts.json ? JSON.stringify(doc) + "\n" : renderText(doc));
  return 0;
}
