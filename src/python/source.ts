// Source lines of the target's files, read through /proc/PID/root (its mount namespace), cached.
import { readFileSync } from "node:fs";

const MAX_FILES = 256;

export class SourceCache {
  private readonly root: string;
  private readonly files = new Map<string, string[] | null>();
  constructor(pid: number) {
    this.root = `/proc/${pid}/root`;
  }
  line(file: string, line: number): string | null {
    if (!file.startsWith("/") || line < 1) return null; // "<frozen ...>", "<string>": no file
    let lines = this.files.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(this.root + file, "utf8").split(/\r?\n/);
      } catch {
        lines = null;
      }
      if (this.files.size >= MAX_FILES) this.files.clear();
      this.files.set(file, lines);
    }
    return lines?.[line - 1] ?? null;
  }
}
