// run: one CLI session. Attach to PIDs or launch a command, stream block events (or stats) to the
// sinks until the targets exit or a signal arrives, then always: drain the kernel's events, write
// the summary, flush and close every sink, release every BPF object.
import type { WatchOptions } from "../cli/options.js";
import type { Outcome } from "../cli/exit-code.js";
import { SummaryBuilder } from "../report/summary.js";
import { launch, type Launched } from "./launch.js";
import { preflight } from "./preflight.js";
import { buildSinks, type Streams } from "./sinks.js";
import { isAlive } from "./target.js";
import { Discovery } from "./discovery.js";
import { closeFd, pidfdOpen } from "../bpf/index.js";
import { Watcher, type AttributorFactory } from "./watcher.js";

export async function runWatch(o: WatchOptions, io: Streams, attributors?: AttributorFactory): Promise<Outcome> {
  preflight(o);

  const monoAtStartMs = Number(process.hrtime.bigint()) / 1e6;
  const wallAtStartMs = Date.now();
  const wallMs = (ns: bigint) => wallAtStartMs + (Number(ns) / 1e6 - monoAtStartMs);
  const sinks = buildSinks(o, io, wallMs);
  const summary = new SummaryBuilder();
  let watcher: Watcher | undefined;
  let launched: Launched | undefined;
  const cleanups: Array<() => void> = [];
  // From here on a signal ends the session cleanly, also one that comes while the probes are
  // being armed or right after "watching" is printed (before, a SIGINT in the 2 ms between that
  // line and the handlers killed the tool with no summary).
  // They stay until every sink is closed: a second Ctrl-C during the detach (1.1 s with the wait
  // tracepoints) must not cut the log file's last writes.
  const signals = new SessionSignals();
  try {
    watcher = await Watcher.open(
      { pids: o.pids, tid: o.tid, thresholdMs: o.thresholdMs, stats: o.stats, histogram: o.metrics !== undefined, stacks: o.stacks, cause: o.cause, sampleIntervalMs: o.sampleIntervalMs, errorThresholdMs: o.errorThresholdMs },
      attributors,
      (text) => sinks.notice(text),
    );
    const w = watcher;
    if (o.verbose) sinks.notice(`probes armed ${w.armedAtMs.toFixed(0)} ms after the process started (${(w.armedAtMs - o.startedAtMs).toFixed(0)} ms in blocksnoop's own code)`);
    if (o.metrics !== undefined) {
      const { MetricsSink } = await import("../report/metrics.js"); // prom-client only when asked for
      const m = await MetricsSink.listen({ ...o.metrics, gaps: () => w.gapSeries(), dropped: () => w.dropped() });
      sinks.add(m);
      sinks.notice(`metrics on http://${o.metrics.host.includes(":") ? `[${o.metrics.host}]` : o.metrics.host}:${m.address.port}/metrics`);
    }
    if (o.command.length > 0) {
      if (signals.stopRequested) {
        sinks.notice(`stopped before ${shortCommand(o.command)} was started`);
      } else {
        launched = await launch(o.command, o.user);
        w.addPid(launched.pid);
        sinks.notice(`watching ${shortCommand(o.command)} (pid ${launched.pid}), ${describe(o)}`);
        launched.resume();
      }
    } else if (o.discover !== undefined) {
      const what = o.discover.match === null ? "every process" : `every process matching /${o.discover.match.source}/`;
      const discovery = new Discovery({
        match: o.discover.match,
        onNew: (pid) => w.addPid(pid),
        onGone: (pid) => w.removePid(pid),
      });
      discovery.start();
      cleanups.push(() => discovery.stop());
      sinks.notice(`watching ${what} (${discovery.count} now, new ones included), ${describe(o)}; Ctrl-C to stop`);
    } else {
      sinks.notice(`watching pid ${o.pids.join(", ")}, ${describe(o)}; Ctrl-C to stop`);
    }

    const consumed = (async () => {
      for await (const e of w.blocks()) {
        sinks.setDropped(w.dropped());
        summary.add(e);
        sinks.block(e);
      }
    })();

    let reportedDrops = 0;
    const tick = setInterval(() => {
      if (o.stats) sinks.stats(w.statsRecord());
      for (const pid of w.adoptDescendants()) if (o.verbose) sinks.notice(`following child process ${pid}`);
      const d = w.dropped();
      if (d > reportedDrops) {
        sinks.notice(`${d - reportedDrops} events dropped in the kernel (ring buffer full)`);
        reportedDrops = d;
      }
    }, 1000);
    cleanups.push(() => clearInterval(tick));

    const outcome = await waitForEnd(o, w, launched, sinks, signals, cleanups);
    if (o.stats) sinks.stats(w.statsRecord()); // the final numbers, read before the maps are freed
    w.stopEvents(); // ends the event stream once what the kernel already produced is delivered
    await consumed;
    const dropped = w.dropped();
    sinks.summary(summary.build(Number(process.hrtime.bigint() - w.startNs) / 1e9, dropped));
    return outcome;
  } finally {
    // Shutting down: a second Ctrl-C is ignored (the log file gets its last lines), a third quits
    // at once (a hung close must not make the tool unkillable from the terminal).
    const quitOnThird = (sig: NodeJS.Signals) => {
      if (sig === "SIGHUP" || signals.stops < 3) return;
      signals.close();
      process.kill(process.pid, sig);
    };
    signals.handle(quitOnThird);
    if (signals.stops >= 3) quitOnThird("SIGINT");
    for (const c of cleanups) c();
    if (launched !== undefined && launched.child.exitCode === null && launched.child.signalCode === null) {
      launched.child.kill("SIGKILL"); // never leave the launched command running unwatched after an error
    }
    try {
      await watcher?.close();
    } finally {
      try {
        await sinks.close();
      } finally {
        signals.close();
      }
    }
  }
}

function shortCommand(command: readonly string[]): string {
  const text = command.join(" ").replace(/\s+/g, " ");
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function describe(o: WatchOptions): string {
  if (o.stats) return o.thresholdMs > 0 ? `every loop iteration, and blocks ≥ ${o.thresholdMs} ms` : "every loop iteration";
  return `blocks ≥ ${o.thresholdMs} ms${o.tid === undefined ? "" : ` on tid ${o.tid}`}`;
}

/** Resolves when the session should end: child exit, all targets gone, or a signal. */
function tryPidfd(pid: number): number | undefined {
  try {
    return pidfdOpen(pid);
  } catch {
    return undefined;
  }
}

const SESSION_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * The session's signal handlers, installed when it starts. Until waitForEnd hands them its
 * handler, signals are kept and then replayed in order.
 */
class SessionSignals {
  readonly #pending: NodeJS.Signals[] = [];
  #handler: ((sig: NodeJS.Signals) => void) | undefined;
  #stops = 0;
  readonly #on = (sig: NodeJS.Signals): void => {
    if (sig !== "SIGHUP") this.#stops++;
    if (this.#handler === undefined) this.#pending.push(sig);
    else this.#handler(sig);
  };

  constructor() {
    for (const sig of SESSION_SIGNALS) process.on(sig, this.#on);
  }

  /** SIGINTs and SIGTERMs received so far. */
  get stops(): number {
    return this.#stops;
  }

  /** A SIGINT or SIGTERM came before the session started waiting for its end. */
  get stopRequested(): boolean {
    return this.#pending.some((s) => s !== "SIGHUP");
  }

  handle(handler: (sig: NodeJS.Signals) => void): void {
    this.#handler = handler;
    for (const sig of this.#pending.splice(0)) handler(sig);
  }

  close(): void {
    for (const sig of SESSION_SIGNALS) process.off(sig, this.#on);
  }
}

function waitForEnd(
  o: WatchOptions, watcher: Watcher, launched: Launched | undefined, sinks: ReturnType<typeof buildSinks>, sessionSignals: SessionSignals, cleanups: Array<() => void>,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (sig === "SIGHUP" && sinks.logFile !== undefined) {
        sinks.logFile.reopen(); // the logrotate convention
        return;
      }
      signals++;
      if (launched !== undefined && signals === 1) {
        // Forward once; the session ends when the command exits, with its code. A terminal's
        // Ctrl-C already reached the command (same process group), so SIGINT is not repeated.
        if (sig !== "SIGINT" || !process.stdin.isTTY) launched.child.kill(sig);
        return;
      }
      if (launched !== undefined) launched.child.kill("SIGKILL");
      resolve({ kind: "done" });
    };
    sessionSignals.handle(onSignal);
    if (launched !== undefined) {
      void launched.exited.then((r) => resolve({ kind: "child-exited", code: r.code, signal: r.signal }));
      return;
    }
    if (o.discover !== undefined) return; // the host never "exits": only a signal ends discovery
    const alive = new Set(o.pids);
    // Each target's exit wakes us through a pidfd (Linux 5.3+); a 100 ms /proc poll is the fallback
    // for the pids without one (no pidfd_open, or a pid we cannot open).
    const polled = new Set<number>();
    for (const pid of o.pids) {
      const fd = tryPidfd(pid);
      if (fd === undefined) {
        polled.add(pid);
        continue;
      }
      cleanups.push(() => closeFd(fd));
      watcher.probe.addWakeFd(fd, () => {
        if (!isAlive(pid) && alive.delete(pid)) sinks.notice(`target ${pid} exited`);
        if (alive.size === 0) resolve({ kind: "done" });
      });
    }
    if (polled.size === 0) return;
    const poll = setInterval(() => {
      for (const pid of polled) {
        if (!isAlive(pid)) {
          polled.delete(pid);
          if (alive.delete(pid)) sinks.notice(`target ${pid} exited`);
        }
      }
      if (alive.size === 0) resolve({ kind: "done" });
    }, 100);
    cleanups.push(() => clearInterval(poll));
  });
}
