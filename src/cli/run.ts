// run: the thin CLI. Options → the library → an exit code from a pure function.
import { isToolError } from "../errors.js";
import { exitCode } from "./exit-code.js";
import { parseArgs, type Options } from "./options.js";
import type { Streams } from "../session/sinks.js";

function streams(): Streams {
  let stdoutOpen = true;
  let stderrOpen = true;
  // EPIPE (e.g. `| head`, `2>&1 | head`): stop writing there, finish the session cleanly (the
  // launched command's exit code, the log file, every BPF object released). Unhandled, the
  // error event would end the process as an uncaught exception.
  process.stdout.on("error", () => {
    stdoutOpen = false;
  });
  process.stderr.on("error", () => {
    stderrOpen = false;
  });
  return {
    stdout: (t) => {
      if (stdoutOpen) process.stdout.write(t);
    },
    stderr: (t) => {
      if (stderrOpen) process.stderr.write(t);
    },
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

async function dispatch(o: Options, io: Streams): Promise<number> {
  switch (o.mode) {
    case "watch": {
      // Loaded on demand: --help, usage errors and missing privileges never load the FFI.
      const { preflight } = await import("../session/preflight.js");
      preflight(o);
      const { runWatch } = await import("../session/run.js");
      const { stackAttributors } = await import("../session/stacks.js");
      return exitCode(await runWatch(o, io, stackAttributors));
    }
    case "dump": {
      const { runDump } = await import("../dump/index.js");
      return runDump({ pid: o.pid, json: o.json, locals: o.locals }, io.stdout);
    }
    case "doctor": {
      const { runDoctor } = await import("../doctor/index.js");
      return runDoctor({ pid: o.pid, json: o.json }, io.stdout);
    }
  }
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const io = streams();
  const verbose = argv.includes("-v") || argv.includes("--verbose");
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === "exit") {
      io.stdout(parsed.stdout);
      return parsed.code;
    }
    return await dispatch(parsed.options, io);
  } catch (e) {
    if (!isToolError(e)) throw e;
    const hint = e.hint === undefined ? "" : ` (${e.hint})`;
    io.stderr(`blocksnoop: ${e.chain()}${hint}\n`);
    if (verbose) {
      const log = (e as { log?: unknown }).log; // a VerifierError carries the verifier's log
      if (Array.isArray(log)) io.stderr(log.join("\n") + "\n");
    }
    return exitCode({ kind: "error", error: e.kind });
  }
}
