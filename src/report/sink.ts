// sink: where records go. Every sink gets every record and is flushed and closed on every path.
import type { BlockEvent, SessionSummary, StatsRecord } from "./model.js";

export interface SessionInfo {
  pids: number[];
  command: string[];
  thresholdMs: number;
  stats: boolean;
  startedAt: Date;
}

export interface Sink {
  start?(info: SessionInfo): void;
  block(event: BlockEvent): void;
  stats?(record: StatsRecord): void;
  /** A one-line notice for humans (target exited, stacks unavailable, drops). */
  notice?(text: string): void;
  summary(summary: SessionSummary): void;
  /** Flush what is buffered; resolves when it is on disk / in the pipe. */
  close(): Promise<void>;
}
