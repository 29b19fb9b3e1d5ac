// batch: samples waiting to be posted to the main thread. Stacks are interned per batch, so a
// block's repeated stack is cloned across the worker boundary once, not once per sample.
import type { TaskReport } from "../report/model.js";
import type { WireSample } from "./protocol.js";
import type { SampleFrame } from "./types.js";

/** How many of a batch's stacks are remembered by identity (a batch rarely has more distinct ones). */
const RECENT = 8;

export class Batch {
  stacks: SampleFrame[][] = [];
  samples: WireSample[] = [];
  sinceNs: bigint | undefined; // capture of the oldest sample waiting
  private index = new Map<string, number>();
  /** The reader's own arrays already interned: found again without building their key. */
  private recent: Array<{ frames: readonly SampleFrame[]; index: number }> = [];

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
    this.recent = [];
    this.sinceNs = undefined;
    return out;
  }

  private intern(frames: readonly SampleFrame[]): number {
    // The Python reader hands out one frozen frame object per code object and line, so a stack
    // seen again is made of the very same objects: compared by identity, no key string per sample.
    for (const r of this.recent) if (sameFrames(r.frames, frames)) return r.index;
    const key = frames.map((f) => `${f.function}\u0000${f.file}\u0000${f.line ?? ""}`).join("\u0001");
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.stacks.length;
      this.stacks.push(frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
      this.index.set(key, i);
    }
    if (this.recent.length < RECENT) this.recent.push({ frames, index: i });
    return i;
  }
}

function sameFrames(a: readonly SampleFrame[], b: readonly SampleFrame[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const copyTask = (t: TaskReport | null): TaskReport | null => (t === null ? null : { name: t.name, coroutines: [...t.coroutines] });
