// tracefs: find (or mount) it, read tracepoint ids and field layouts from `format` files.
// Mounting goes through the FFI (mount(2)); the text handling lives in tracefs-find.ts.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../errors.js";
import { mountTracefs } from "./sys/mem.js";
import { parseFormat, tracefsFromMountinfo, type TracepointFormat } from "./tracefs-find.js";

export { parseFormat, tracefsFromMountinfo, type TracepointField, type TracepointFormat } from "./tracefs-find.js";

let cached: string | undefined;
/** Where tracefs is; mounts it at /sys/kernel/tracing when it is not mounted anywhere. */
export function tracefsRoot(): string {
  if (cached !== undefined) return cached;
  const found = tracefsFromMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
  if (found !== undefined && existsSync(join(found, "events"))) return (cached = found);
  if (existsSync("/sys/kernel/debug/tracing/events")) return (cached = "/sys/kernel/debug/tracing");
  const target = "/sys/kernel/tracing";
  try {
    mkdirSync(target, { recursive: true });
    mountTracefs(target);
  } catch (cause) {
    const kind = cause instanceof ToolError && cause.kind === "permission" ? "permission" : "not-supported";
    throw new ToolError(kind, "find tracefs: not mounted, and mounting it failed", { cause, hint: "mount -t tracefs nodev /sys/kernel/tracing" });
  }
  return (cached = target);
}

/** The format of `category/name`, or undefined when the kernel has no such tracepoint. */
export function readTracepoint(category: string, name: string): TracepointFormat | undefined {
  const file = join(tracefsRoot(), "events", category, name, "format");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof Error && "code" in e && e.code === "ENOENT") return undefined;
    throw new ToolError("io", `read ${file}`, { cause: e });
  }
  return parseFormat(text);
}
