// tracefs: find (or mount) it, read tracepoint ids and field layouts from `format` files.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../errors.js";
import { mountTracefs } from "./sys/mem.js";

/** The tracefs mount point in a /proc/self/mountinfo text, or undefined. */
export function tracefsFromMountinfo(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    // "36 25 0:12 / /sys/kernel/tracing rw,... - tracefs tracefs rw"
    const [pre, post] = line.split(" - ");
    if (pre === undefined || post === undefined) continue;
    if (post.split(" ")[0] !== "tracefs") continue;
    const mountPoint = pre.split(" ")[4];
    if (mountPoint !== undefined) return mountPoint.replace(/\\040/g, " ");
  }
  return undefined;
}

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

export interface TracepointField {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
}
export interface TracepointFormat {
  readonly name: string;
  readonly id: number;
  readonly fields: readonly TracepointField[];
}

/** Parse a tracefs `format` file. Types may carry attributes (`__attribute__((user))`): keep the last identifier. */
export function parseFormat(text: string): TracepointFormat {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = /^ID:\s*(\d+)/m.exec(text)?.[1];
  if (name === undefined || id === undefined) throw new ToolError("io", "parse tracepoint format: no name or ID line");
  const fields: TracepointField[] = [];
  const re = /field:([^;]*);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const decl = (m[1] ?? "").trim().replace(/\[[^\]]*\]$/, "");
    const ident = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(decl)?.[1] ?? decl;
    fields.push({ name: ident, type: decl.slice(0, decl.length - ident.length).trim(), offset: Number(m[2]), size: Number(m[3]), signed: m[4] === "1" });
  }
  return { name, id: Number(id), fields };
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
