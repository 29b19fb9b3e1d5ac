// batch: samples waiting to be posted to the main thread. Stacks are interned per batch, so a
// block's repeated stack is cloned across the worker boundary once, not once per sample.
import type { TaskReport } from "../report/model.js";
import type { WireSample } from "./protocol.js";
import type { SampleFrame } from "./types.js";

export class Batch {
  stacks: SampleFrame[][] = [];
  samples: WireSample[] = [];
  sinceNs: bigint | undefined; // capture of the oldest sample waiting
  private index = new Map<string, number>();

  add(s: Omit<WireSample, "stack">, frames: readonly SampleFrame[] | null): void {
    this.samples.push({ ...s, stack: frames === null ? -1 : this.intern(frames) });
    this.sinceNs ??= s.captureNs;
  }

  /** Hand over the contents and start empty. */
  take(): { stacks: SampleFrame[][]; samples: WireSample[] } {
    const out = { stacks: this.stacks, samples: this.samples };
    this.stacks = [];
    this.samples = [];
    this.index = new Map();
    this.sinceNs = undefined;
    return out;
  }

  private intern(frames: readonly SampleFrame[]): number {
    const key = frames.map((f) => `${f.function}\u0000${f.file}\u0000${f.line ?? ""}`).join("\u0001");
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.stacks.length;
      this.stacks.push(frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
      this.index.set(key, i);
    }
    return i;
  }
}

export const copyTask = (t: TaskReport | null): TaskReport | null => (t === null ? null : { name: t.name, coroutines: [...t.coroutines] });
