// log-file: --log-file, JSON records appended with the original tool's Datadog-friendly fields
// (timestamp, level, message, service, source, dd.{service,env}) plus ours. Written with
// synchronous appends so nothing is lost on exit; reopened when the file is rotated away (checked
// before each write: records are rare) or on reopen() (SIGHUP).
import fs from "node:fs";
import os from "node:os";
import { ToolError } from "../errors.js";
import type { BlockEvent, SessionSummary } from "./model.js";
import type { Sink } from "./sink.js";
import { eventRecord, stringify, summaryRecord } from "./json.js";

export interface LogFileOptions {
  path: string;
  service: string;
  env: string;
  /** CLOCK_MONOTONIC ns → wall-clock ms, to stamp a block with when it ended. */
  wallMs(monoNs: bigint): number;
}

function isoMicros(ms: number): string {
  const d = new Date(Math.floor(ms));
  const micros = Math.floor((ms - Math.floor(ms)) * 1000);
  return d.toISOString().replace(/\.(\d{3})Z$/, (_m, m3: string) => `.${m3}${String(micros).padStart(3, "0")}Z`);
}

export function openLogFile(path: string): number {
  try {
    const fd = fs.openSync(path, "a", 0o640);
    return fd;
  } catch (e) {
    // A bad --log-file is bad input: one line naming the path and the reason, exit code 2.
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why = code === "ENOENT" ? "its directory does not exist" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : code === "EROFS" ? "read-only file system" : (code || String(e));
    throw new ToolError("usage", `--log-file: cannot write ${path}: ${why}`);
  }
}

export class LogFileSink implements Sink {
  private fd: number;
  private dropped = 0;
  private readonly host = os.hostname();

  constructor(private readonly o: LogFileOptions) {
    this.fd = openLogFile(o.path);
  }

  setDropped(n: number): void {
    this.dropped = n;
  }

  /** Reopen the path (logrotate moved the file, or SIGHUP). */
  reopen(): void {
    const fd = openLogFile(this.o.path);
    fs.closeSync(this.fd);
    this.fd = fd;
  }

  private rotated(): boolean {
    try {
      const a = fs.fstatSync(this.fd);
      const b = fs.statSync(this.o.path);
      return a.ino !== b.ino || a.dev !== b.dev;
    } catch {
      return true; // the path is gone: rotated away without a new file yet
    }
  }

  private append(rec: Record<string, unknown>): void {
    if (this.rotated()) this.reopen();
    fs.writeSync(this.fd, stringify(rec) + "\n");
  }

  private common(level: string, message: string, wallMs: number): Record<string, unknown> {
    return {
      timestamp: isoMicros(wallMs),
      level,
      message,
      service: this.o.service,
      source: "blocksnoop",
      host: this.host,
      dd: { service: this.o.service, env: this.o.env },
    };
  }

  block(e: BlockEvent): void {
    const head = this.common(e.level, `Blocking call detected: ${e.durationMs.toFixed(1)}ms on tid=${e.tid}`, this.o.wallMs(e.endNs));
    this.append({ ...head, ...eventRecord(e, this.dropped) });
  }

  summary(s: SessionSummary): void {
    const head = this.common("info", `blocksnoop session ended: ${s.events} blocking events in ${s.durationS.toFixed(1)}s`, Date.now());
    this.append({ ...head, ...summaryRecord(s) });
  }

  async close(): Promise<void> {
    try {
      fs.fsyncSync(this.fd);
    } catch {
      // fsync is best effort (e.g. /dev/stdout); the data was written synchronously already
    }
    fs.closeSync(this.fd);
  }
}
