// procfs: small readers of /proc and /sys that answer "unknown" (undefined) instead of throwing.
import { readFileSync, readlinkSync } from "node:fs";

/** PROC_PID_INIT_INO and PROC_USER_INIT_INO (include/linux/proc_ns.h): fixed since Linux 3.8. */
export const INIT_PID_NS_INO = 4026531836;
export const INIT_USER_NS_INO = 4026531837;

export type Read = { ok: true; text: string } | { ok: false; code: string };

function errCode(e: unknown): string {
  return e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : "EIO";
}

export function readText(path: string): Read {
  try {
    return { ok: true, text: readFileSync(path, "utf8") };
  } catch (e) {
    return { ok: false, code: errCode(e) };
  }
}

export function readLink(path: string): Read {
  try {
    return { ok: true, text: readlinkSync(path) };
  } catch (e) {
    return { ok: false, code: errCode(e) };
  }
}

/** The inode of a namespace link ("pid:[4026531836]"), or why it could not be read. */
export function nsInode(pid: number | "self", ns: "pid" | "mnt" | "user"): number | string {
  const r = readLink(`/proc/${pid}/ns/${ns}`);
  if (!r.ok) return r.code;
  const m = /\[(\d+)\]$/.exec(r.text);
  return m === null ? "unparsable" : Number(m[1]);
}

/** An integer sysctl such as /proc/sys/kernel/perf_event_paranoid, or undefined when absent. */
export function readInt(path: string): number | undefined {
  const r = readText(path);
  if (!r.ok) return undefined;
  const n = Number.parseInt(r.text.trim(), 10);
  return Number.isNaN(n) ? undefined : n;
}

/** One "Key:\tvalue" line of /proc/PID/status. */
export function statusField(status: string, key: string): string | undefined {
  return new RegExp(`^${key}:\\s*(.*)$`, "m").exec(status)?.[1]?.trim();
}

/** PF_KTHREAD (include/linux/sched.h): the flags field of /proc/PID/stat marks kernel threads. */
const PF_KTHREAD = 0x00200000;

/** Whether a /proc/PID/stat line is a kernel thread's; comm may hold spaces and parens, so split after the last ')'. */
export function isKernelThreadStat(stat: string): boolean {
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const flags = Number(rest[6]); // state ppid pgrp session tty_nr tpgid flags
  return Number.isFinite(flags) && (flags & PF_KTHREAD) !== 0;
}

/** The lockdown mode in "none [integrity] confidentiality" (security/lockdown/lockdown.c, Linux 5.4+). */
export function parseLockdown(text: string): string | undefined {
  return /\[(\w+)\]/.exec(text)?.[1];
}
