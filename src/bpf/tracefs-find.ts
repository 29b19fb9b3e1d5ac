// tracefs-find: plain text handling of tracefs — where it is mounted, what a `format` file says.
// No FFI here: tools that must work without koffi's native module (the doctor) import this.
import { ToolError } from "../errors.js";

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
