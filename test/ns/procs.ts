// Finding a process of a PID namespace from outside it (the test's own /proc, the initial namespace).
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { parseNsPid } from "../../src/probes/loop-gap/nspid.js";

/** Pids (this /proc's) of the processes in PID namespace `ino` whose innermost id is `nsPid`. */
export function outerPids(ino: string, nsPid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) !== `pid:[${ino}]`) continue;
      const ids = parseNsPid(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (ids !== undefined && ids[ids.length - 1] === nsPid) found.push(pid);
    } catch {
      continue; // exited while we looked
    }
  }
  return found;
}

/** The PID namespace inode of a process (`pid:[INO]` → INO). */
export function pidNsIno(pid: number): string {
  return /^pid:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1] ?? "";
}

/** The only child of `pid` (e.g. what `unshare --fork` started), or throws. */
export function onlyChild(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter((s) => s !== "").map(Number);
  if (children.length !== 1 || children[0] === undefined) throw new Error(`pid ${pid} has children [${children.join(", ")}], expected one`);
  return children[0];
}
