// options: the command line → a typed Options value. Pure: no I/O, no process state, so the
// parser is unit-tested and the golden snapshots only see its messages.
//
// Grammar (compatible with the original blocksnoop):
//   blocksnoop [OPTIONS] PID... [OPTIONS]
//   blocksnoop [OPTIONS] -- COMMAND [ARGS...]
//   blocksnoop [OPTIONS] COMMAND [ARGS...]     (first non-numeric operand starts the command)
//   blocksnoop dump PID [--json] [--locals]
// The original parsed `blocksnoop 1234 -t 50` as a command "-t 50" to launch; here options may
// come before or after PIDs, and only `--` or a non-numeric operand starts a command.
import { Command, CommanderError, Option } from "commander";
import { ToolError } from "../errors.js";

export interface WatchOptions {
  mode: "watch";
  pids: number[]; // attach mode when non-empty
  command: string[]; // launch mode when non-empty
  thresholdMs: number;
  stats: boolean;
  tid: number | undefined;
  json: boolean;
  logFile: string | undefined;
  service: string;
  env: string;
  color: boolean | undefined; // undefined: decide from the TTY
  verbose: boolean;
  errorThresholdMs: number;
  sampleIntervalMs: number;
  stacks: boolean;
  cause: boolean;
  user: string | undefined;
  /** Discovery mode: watch every process matching this (null: every process), new ones included. */
  discover: { match: RegExp | null } | undefined;
  metrics: { host: string; port: number } | undefined;
  /** performance.now() when blocksnoop's own code started (for the -v start-up report). */
  startedAtMs: number;
}

export interface DumpOptions {
  mode: "dump";
  pid: number;
  json: boolean;
  locals: boolean;
}

export interface DoctorOptions {
  mode: "doctor";
  pid: number | undefined;
  json: boolean;
}

export type Options = WatchOptions | DumpOptions | DoctorOptions;

/** The outcome of parsing: options to run, or text to print and an exit code (help, version). */
export type ParseResult = { kind: "run"; options: Options } | { kind: "exit"; code: number; stdout: string };

function usage(message: string): ToolError {
  return new ToolError("usage", message, { hint: "see 'blocksnoop --help'" });
}

function number(name: string, min: number, integer: boolean): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n)) throw usage(`${name} must be a number, got '${v}'`);
    if (integer && !Number.isInteger(n)) throw usage(`${name} must be a whole number, got '${v}'`);
    if (n < min) throw usage(`${name} must be ≥ ${min}, got '${v}'`);
    return n;
  };
}

export function parsePid(v: string): number {
  if (!/^[0-9]+$/.test(v)) throw usage(`not a PID: '${v}'`);
  const n = Number(v);
  if (n < 1 || n > 4194304) throw usage(`not a PID: '${v}' (PIDs are 1..4194304)`);
  return n;
}

function parseRegex(v: string): RegExp {
  try {
    return new RegExp(v);
  } catch {
    throw usage(`--match: not a valid regular expression: '${v}'`);
  }
}

/** "HOST:PORT", ":PORT" (all interfaces) or "[::1]:PORT". */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v);
  const port = Number(m?.[3]);
  // Port 0: the kernel picks one; the session prints the address it got.
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--metrics must be HOST:PORT (e.g. 127.0.0.1:9464), got '${v}'`);
  const host = m[1] ?? m[2] ?? "";
  return { host: host === "" ? "0.0.0.0" : host, port };
}

const VERSION = "0.1.0";
/** When this module (the first of the CLI's) was evaluated, in ms since the process started. */
const STARTED_AT_MS = performance.now();

const DESCRIPTION =
  "Find what blocks an event loop in a live process, from outside it. Attach to running processes by PID, or launch a command: every time a loop thread stays away from its wait syscall (epoll, poll, select) longer than the threshold, blocksnoop prints the block, measured in the kernel with eBPF, and the Python stack sampled during the block.";

const EXAMPLES = `
Examples:
  blocksnoop 1234                       watch PID 1234, report blocks ≥ 100 ms
  blocksnoop 1234 5678 -t 20            two processes, blocks ≥ 20 ms
  blocksnoop -- python3 app.py          launch app.py and watch it from its first line
  blocksnoop --stats 1234               live histogram of every loop iteration
  blocksnoop --json 1234 > blocks.jsonl one JSON object per block on stdout
  blocksnoop dump 1234                  every thread's Python stack, right now
  blocksnoop doctor 1234                what works here, what does not, and how to fix it

Needs Linux ≥ 5.8 and root (or CAP_BPF + CAP_PERFMON, and CAP_SYS_PTRACE for stacks).
Exit codes: 0 ok · 1 failure · 2 bad usage · 3 no such process · 4 permission denied ·
5 not supported here · 6 not a supported Python · launch mode: the command's exit code.`;

// Help is rendered at a fixed width so it reads the same everywhere (and in golden snapshots).
const QUIET = { writeOut: () => {}, writeErr: () => {}, getOutHelpWidth: () => 96, getErrHelpWidth: () => 96 };

function buildProgram(): Command {
  const program = new Command("blocksnoop")
    .description(DESCRIPTION)
    .usage("[options] PID... | [options] -- COMMAND [ARGS...]")
    .version(VERSION, "-V, --version")
    .argument("[pid...]", "process IDs to watch (several allowed)")
    .option("-t, --threshold <ms>", "report blocks at least this long, in ms (default: 100; 0 with --stats)", number("--threshold", 0, false))
    .option("--stats", "live statistics of every loop iteration (kept in the kernel) instead of events")
    .option("--tid <tid>", "watch only this thread (default: every thread that runs a loop)", number("--tid", 1, true))
    .option("--json", "one JSON object per event on stdout (stats: one per second)")
    .option("--log-file <path>", "also append JSON records to this file (Datadog-friendly fields)")
    .option("--service <name>", "service name in log records", "blocksnoop")
    .option("--env <name>", "environment name in log records", "")
    .option("--no-color", "never colour the console output")
    .option("-v, --verbose", "more detail: verifier logs, sampler statistics")
    .option("--error-threshold <ms>", "blocks at least this long are level 'error', others 'warning'", number("--error-threshold", 0, false), 500)
    .option("--sample-interval <ms>", "stack sampling interval during a block, in ms", number("--sample-interval", 0.1, false), 1)
    .option("--no-stacks", "detection only: do not read Python stacks")
    .option("--no-cause", "do not account in the kernel why a block happened (on/off CPU, syscalls, run queue, GIL)")
    .option("--user <name|uid>", "launch mode: run the command as this user (default under sudo: the invoking user)")
    .option("--all", "discovery mode: watch every process on the host, new ones included")
    .option("--match <regex>", "discovery mode: watch every process whose name or command line matches, new ones included")
    .option("--metrics <host:port>", "serve OpenMetrics (Prometheus) on http://host:port/metrics: gap histogram, block counts per process and thread")
    .addOption(
      new Option(
        "--correlation-padding <ms>",
        "accepted for compatibility and ignored: stacks are taken during the block and matched to its exact kernel window, so no padding is needed",
      ).argParser(number("--correlation-padding", 0, false)),
    )
    .addHelpText("after", EXAMPLES)
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput(QUIET);

  program
    .command("dump")
    .description("print every thread's Python stack of a running process, right now (like a traceback)")
    .argument("<pid>", "process ID")
    .option("--json", "one JSON document on stdout")
    .option("--locals", "also show simple local variables of each frame")
    .exitOverride()
    .configureOutput(QUIET);

  program
    .command("doctor")
    .description("check this machine (kernel, BPF, tracefs, capabilities) and optionally a target PID, with a fix for each problem")
    .argument("[pid]", "process ID to check (ptrace access, Python version)")
    .option("--json", "one JSON document on stdout")
    .exitOverride()
    .configureOutput(QUIET);
  return program;
}

/** Options that take a value: needed to find where a command starts without `--`. */
const VALUE_OPTIONS = new Set(["-t", "--threshold", "--tid", "--log-file", "--service", "--env", "--error-threshold", "--sample-interval", "--correlation-padding", "--user", "--match", "--metrics"]);

/** Split argv into (our arguments, the command to launch). */
export function splitCommand(argv: readonly string[]): { own: string[]; command: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") return { own: argv.slice(0, i), command: argv.slice(i + 1) };
    if (a.startsWith("-")) {
      if (VALUE_OPTIONS.has(a)) i++; // skip its value ("--opt=value" has none to skip)
      continue;
    }
    if (i === 0 && (a === "dump" || a === "doctor")) return { own: [...argv], command: [] };
    // "12abc" is a mistyped PID, not a command to launch.
    if (!/^[0-9]/.test(a)) return { own: argv.slice(0, i), command: argv.slice(i) };
  }
  return { own: [...argv], command: [] };
}

function helpOf(program: Command, name: string): string {
  const sub = program.commands.find((c) => c.name() === name);
  return (sub ?? program).helpInformation();
}

export function parseArgs(argv: readonly string[]): ParseResult {
  const program = buildProgram();
  const { own, command } = splitCommand(argv);
  let sub: DumpOptions | DoctorOptions | undefined;
  program.commands[0]?.action((pid: string, o: { json?: boolean; locals?: boolean }) => {
    sub = { mode: "dump", pid: parsePid(pid), json: o.json === true, locals: o.locals === true };
  });
  program.commands[1]?.action((pid: string | undefined, o: { json?: boolean }) => {
    sub = { mode: "doctor", pid: pid === undefined ? undefined : parsePid(pid), json: o.json === true };
  });
  program.action(() => {});
  try {
    program.parse(own, { from: "user" });
  } catch (e) {
    if (e instanceof ToolError) throw e;
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.help") {
        const name = own[0] === "dump" || own[0] === "doctor" ? own[0] : "";
        return { kind: "exit", code: 0, stdout: helpOf(program, name) };
      }
      if (e.code === "commander.version") return { kind: "exit", code: 0, stdout: `${VERSION}\n` };
      throw usage(e.message.replace(/^error: /, ""));
    }
    throw e;
  }
  if (sub !== undefined) return { kind: "run", options: sub };

  const o = program.opts<{
    threshold?: number; stats?: boolean; tid?: number; json?: boolean; logFile?: string; service: string; env: string;
    color: boolean; verbose?: boolean; errorThreshold: number; sampleInterval: number; stacks: boolean; cause: boolean; user?: string;
    all?: boolean; match?: string; metrics?: string;
  }>();
  const pids = program.args.map(parsePid);
  const discover = o.all === true || o.match !== undefined ? { match: o.match === undefined ? null : parseRegex(o.match) } : undefined;
  if (discover !== undefined && (pids.length > 0 || command.length > 0)) throw usage("--all/--match watch the whole host: give no PID or command");
  if (discover !== undefined && o.tid !== undefined) throw usage("--tid needs one PID, not --all/--match");
  if (pids.length === 0 && command.length === 0 && discover === undefined) throw usage("nothing to watch: give a PID, a command after --, or --all");
  if (pids.length > 0 && command.length > 0) throw usage("give PIDs or a command, not both");
  if (o.tid !== undefined && pids.length > 1) throw usage("--tid needs exactly one PID");
  if (o.user !== undefined && command.length === 0) throw usage("--user applies to launch mode (a command after --)");
  if (new Set(pids).size !== pids.length) throw usage("a PID is given twice");
  const stats = o.stats === true;
  const options: WatchOptions = {
    mode: "watch",
    pids,
    command,
    thresholdMs: o.threshold ?? (stats ? 0 : 100),
    stats,
    tid: o.tid,
    json: o.json === true,
    logFile: o.logFile,
    service: o.service,
    env: o.env,
    color: o.color ? undefined : false,
    verbose: o.verbose === true,
    errorThresholdMs: o.errorThreshold,
    sampleIntervalMs: o.sampleInterval,
    stacks: o.stacks && !stats,
    cause: o.cause && !stats,
    user: o.user,
    discover,
    metrics: o.metrics === undefined ? undefined : parseListen(o.metrics),
    startedAtMs: STARTED_AT_MS,
  };
  if (!stats && options.thresholdMs <= 0) throw usage("--threshold must be > 0 without --stats");
  return { kind: "run", options };
}
