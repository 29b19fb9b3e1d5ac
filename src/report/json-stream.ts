// json-stream: --json, one JSON object per line on stdout (events; with --stats one per second).
import type { BlockEvent, SessionSummary, StatsRecord } from "./model.js";
import type { Sink } from "./sink.js";
import { eventRecord, statsRecord, stringify } from "./json.js";

export class JsonStreamSink implements Sink {
  private dropped = 0;
  constructor(private readonly write: (line: string) => void) {}

  setDropped(n: number): void {
    this.dropped = n;
  }

  block(e: BlockEvent): void {
    this.write(stringify(eventRecord(e, this.dropped)) + "\n");
  }

  stats(r: StatsRecord): void {
    this.write(stringify(statsRecord(r)) + "\n");
  }

  // The original tool wrote no summary on the JSON stream; the human summary goes to stderr.
  summary(_s: SessionSummary): void {}

  async close(): Promise<void> {}
}
