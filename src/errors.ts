// errors: the one base class every layer throws. Messages are lowercase verb phrases that chain
// through `cause` into one readable line ("attach sys_enter_epoll_wait: perf_event_open: EACCES").

const brand = Symbol.for("blocksnoop.error");

/** What went wrong, as data: the CLI maps kinds to exit codes and hints. */
export type ErrorKind =
  | "usage" // bad command line or option value
  | "permission" // EPERM/EACCES: not root, missing capability, ptrace refused
  | "not-found" // process does not exist / has exited
  | "not-supported" // kernel or interpreter lacks a feature
  | "not-python" // target is not a CPython process
  | "unsupported-python" // CPython version we cannot read
  | "verifier" // BPF verifier refused a program
  | "io" // file or syscall failure not covered above
  | "internal";

export interface ToolErrorOptions {
  cause?: unknown;
  errno?: number;
  hint?: string;
}

export class ToolError extends Error {
  readonly kind: ErrorKind;
  readonly errno: number | undefined;
  readonly hint: string | undefined;
  readonly [brand] = true;

  constructor(kind: ErrorKind, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.errno = options.errno ?? (options.cause instanceof ToolError ? options.cause.errno : undefined);
    this.hint = options.hint ?? (options.cause instanceof ToolError ? options.cause.hint : undefined);
  }

  /** The full chain "outer: inner: innermost" in one line. */
  chain(): string {
    const parts: string[] = [this.message];
    let c: unknown = this.cause;
    for (let depth = 0; c !== undefined && depth < 16; depth++) {
      if (c instanceof Error) {
        parts.push(c.message);
        c = c.cause;
      } else {
        parts.push(String(c));
        break;
      }
    }
    return parts.join(": ");
  }
}
ToolError.prototype.name = "ToolError";

export function isToolError(e: unknown): e is ToolError {
  return typeof e === "object" && e !== null && (e as { [brand]?: unknown })[brand] === true; // brand check works across realms
}

/** Wrap any error with context, keeping its kind when it already has one. */
export function wrap(message: string, cause: unknown, kind?: ErrorKind): ToolError {
  const k = kind ?? (isToolError(cause) ? cause.kind : "internal");
  return new ToolError(k, message, { cause });
}
