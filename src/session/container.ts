// container: tag events with the target's container id / pod UID, read once per process from
// /proc/PID/cgroup (the path layouts are parsed in doctor/cgroup.ts).
import fs from "node:fs";
import { parseCgroup } from "../doctor/cgroup.js";
import type { ContainerRef } from "../report/model.js";

export function containerOf(pid: number): ContainerRef | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return null;
  }
  const c = parseCgroup(text);
  if (c.containerId === undefined && c.podUid === undefined) return null;
  return { id: c.containerId ?? null, runtime: c.runtime ?? null, podUid: c.podUid ?? null };
}

export class Containers {
  private readonly byPid = new Map<number, ContainerRef | null>();
  get(pid: number): ContainerRef | null {
    if (!this.byPid.has(pid)) this.byPid.set(pid, containerOf(pid));
    return this.byPid.get(pid) ?? null;
  }
}
