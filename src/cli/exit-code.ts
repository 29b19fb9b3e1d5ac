// exit-code: how a run ends → the process exit code. Pure and tested; documented in --help.
import type { ErrorKind } from "../errors.js";

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  permission: 4,
  notSupported: 5,
  notPython: 6,
} as const;

/** How a session or command ended. */
export type Outcome =
  | { kind: "done" } // attach mode ended (target exited, or Ctrl-C / SIGTERM): a normal end
  | { kind: "child-exited"; code: number | null; signal: NodeJS.Signals | null } // launch mode
  | { kind: "error"; error: ErrorKind }
  | { kind: "code"; code: number }; // a subcommand that computed its own code

const BY_KIND: Record<ErrorKind, number> = {
  usage: EXIT.usage,
  permission: EXIT.permission,
  "not-found": EXIT.notFound,
  "not-supported": EXIT.notSupported,
  "not-python": EXIT.notPython,
  "unsupported-python": EXIT.notPython,
  verifier: EXIT.notSupported,
  io: EXIT.failure,
  internal: EXIT.failure,
};

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};

export function exitCode(outcome: Outcome): number {
  switch (outcome.kind) {
    case "done":
      return EXIT.ok;
    case "code":
      return outcome.code;
    case "error":
      return BY_KIND[outcome.error];
    case "child-exited":
      // The launched command's own code, passed through; a signal death as a shell reports it.
      if (outcome.code !== null) return outcome.code;
      return 128 + (outcome.signal === null ? 0 : (SIGNAL_NUMBERS[outcome.signal] ?? 0));
  }
}
