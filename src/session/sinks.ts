// sinks: which sinks a session writes to, from the options. Every sink is closed on every path.
import type { WatchOptions } from "../cli/options.js";
import { COLOR, ConsoleSink, PLAIN } from "../report/console.js";
import { JsonStreamSink } from "../report/json-stream.js";
import { LogFileSink } from "../report/log-file.js";
import type { BlockEvent, SessionSummary, StatsRecord } from "../report/model.js";
import type { Sink } from "../report/sink.js";
import { StatsViewSink } from "../report/stats-view.js";

export interface Streams {
  stdout(text: string): void;
  stderr(text: string): void;
  stderrIsTTY: boolean;
}

/** Fans every record out to the session's sinks. */
export class SinkSet {
  readonly logFile: LogFileSink | undefined;
  private readonly json: JsonStreamSink | undefined;

  constructor(private readonly sinks: Sink[], logFile: LogFileSink | undefined, json: JsonStreamSink | undefined) {
    this.logFile = logFile;
    this.json = json;
  }

  /** A sink that starts later (e.g. the metrics endpoint, once the probe is open). */
  add(s: Sink): void {
    this.sinks.push(s);
  }

  setDropped(n: number): void {
    this.json?.setDropped(n);
    this.logFile?.setDropped(n);
  }
  block(e: BlockEvent): void {
    for (const s of this.sinks) s.block(e);
  }
  stats(r: StatsRecord): void {
    for (const s of this.sinks) s.stats?.(r);
  }
  notice(text: string): void {
    for (const s of this.sinks) s.notice?.(text);
  }
  summary(sum: SessionSummary): void {
    for (const s of this.sinks) s.summary(sum);
  }
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const s of this.sinks) {
      try {
        await s.close();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

export function buildSinks(o: WatchOptions, io: Streams, wallMs: (ns: bigint) => number): SinkSet {
  const style = o.color === false || process.env["NO_COLOR"] !== undefined || !io.stderrIsTTY ? PLAIN : COLOR;
  const sinks: Sink[] = [];
  let json: JsonStreamSink | undefined;
  const human = { write: io.stderr, style, verbose: o.verbose, multiProcess: o.pids.length > 1 };
  if (o.json) {
    json = new JsonStreamSink(io.stdout);
    sinks.push(json);
    // Humans still get notices and the summary, on stderr, never mixed into the JSON stream.
    const side = new ConsoleSink(human);
    sinks.push({ block: () => {}, notice: (t) => side.notice(t), summary: (s) => side.summary(s), close: async () => {} });
  } else if (o.stats) {
    const view = new StatsViewSink({ write: io.stderr, tty: io.stderrIsTTY, style });
    const events = new ConsoleSink(human);
    sinks.push({ block: (e) => events.block(e), stats: (r) => view.stats(r), notice: (t) => view.notice(t), summary: (s) => view.summary(s), close: async () => {} });
  } else {
    sinks.push(new ConsoleSink(human));
  }
  let logFile: LogFileSink | undefined;
  if (o.logFile !== undefined) {
    logFile = new LogFileSink({ path: o.logFile, service: o.service, env: o.env, wallMs });
    sinks.push(logFile);
  }
  return new SinkSet(sinks, logFile, json);
}
