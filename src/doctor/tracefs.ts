// tracefs: where it is (or that blocksnoop will mount it), and which wait-syscall tracepoints exist.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
// Neither import loads the FFI (koffi): the doctor must run without its native module.
import { tracefsFromMountinfo } from "../bpf/tracefs-find.js";
import { isToolError } from "../errors.js";
import { WAIT_SYSCALLS } from "../probes/loop-gap/wait-syscalls.js";
import { fail, ok, warn, type Check } from "./check.js";
import { readText } from "./procfs.js";

/** The probe's own list, so the doctor checks exactly what the loop-gap probe attaches to. */
const WAIT_NAMES: readonly string[] = WAIT_SYSCALLS.map((s) => s.name);

const MOUNT_HINT = "mount -t tracefs nodev /sys/kernel/tracing (in a container: mount the host's /sys/kernel/tracing, or run privileged)";

export interface TracefsResult {
  readonly check: Check;
  readonly root: string | undefined; // where events/ can be read, when it can
}

function readable(dir: string): string | undefined {
  try {
    readdirSync(dir);
    return undefined;
  } catch (e) {
    return e instanceof Error && "code" in e ? String(e.code) : "unreadable";
  }
}

/** What locating tracefs looks at and does; the live one reads this machine, tests pass their own. */
export interface TracefsEnv {
  mountinfo(): string | undefined;
  readable(dir: string): string | undefined; // undefined when readable, else the error code
  exists(path: string): boolean;
  mount(): string; // mount it where blocksnoop would, return the root; throws when it cannot
}

const LIVE: TracefsEnv = {
  mountinfo: () => {
    const r = readText("/proc/self/mountinfo");
    return r.ok ? r.text : undefined;
  },
  readable,
  exists: existsSync,
  mount: () => {
    throw new Error("mounting needs the FFI, which did not load");
  },
};

/** The live environment, mounting with the toolkit's own lookup once the FFI has loaded. */
export function liveTracefs(mount: (() => string) | undefined): TracefsEnv {
  return mount === undefined ? LIVE : { ...LIVE, mount };
}

/** Find tracefs; mount it (as blocksnoop itself does at start) only when allowed to (`mayMount`). */
export function locateTracefs(mayMount: boolean, env: TracefsEnv = LIVE): TracefsResult {
  const mountinfo = env.mountinfo();
  const found = mountinfo === undefined ? undefined : tracefsFromMountinfo(mountinfo);
  if (found !== undefined) {
    const err = env.readable(join(found, "events"));
    if (err === undefined) return { check: ok("tracefs", `mounted at ${found}`), root: found };
    return { check: fail("tracefs", `mounted at ${found}, but ${found}/events is not readable (${err})`, "run as root: tracefs is readable by root only"), root: undefined };
  }
  if (env.exists("/sys/kernel/debug/tracing/events")) return { check: ok("tracefs", "reachable through debugfs at /sys/kernel/debug/tracing"), root: "/sys/kernel/debug/tracing" };
  if (!mayMount) {
    return { check: fail("tracefs", "not mounted; blocksnoop mounts it at /sys/kernel/tracing when it starts, which needs CAP_SYS_ADMIN", MOUNT_HINT), root: undefined };
  }
  try {
    const root = env.mount();
    return { check: ok("tracefs", `was not mounted: mounted it at ${root}, as blocksnoop does when it starts`), root };
  } catch (e) {
    return { check: fail("tracefs", `not mounted, and mounting failed: ${isToolError(e) ? e.chain() : String(e)}`, MOUNT_HINT), root: undefined };
  }
}

/** The wait syscalls with both sys_enter_ and sys_exit_ tracepoints under `root`. */
export function presentWaitSyscalls(root: string): string[] {
  const dir = join(root, "events/syscalls");
  return WAIT_NAMES.filter((s) => existsSync(join(dir, `sys_enter_${s}`)) && existsSync(join(dir, `sys_exit_${s}`)));
}

export function waitTracepointsCheck(root: string | undefined): Check {
  if (root === undefined) return warn("wait-tracepoints", "not checked: tracefs is not readable", "fix the tracefs check first");
  if (!existsSync(join(root, "events/syscalls"))) {
    return fail("wait-tracepoints", "no syscall tracepoints: the kernel was built without CONFIG_FTRACE_SYSCALLS", "use a kernel with CONFIG_FTRACE_SYSCALLS=y (all major distributions have it)");
  }
  const present = presentWaitSyscalls(root);
  const absent = WAIT_NAMES.filter((s) => !present.includes(s));
  // arm64 and other asm-generic arches have no epoll_wait, poll or select syscalls at all.
  const tail = absent.length === 0 ? "" : `; absent: ${absent.join(", ")}`;
  if (!present.some((s) => s.startsWith("epoll"))) return fail("wait-tracepoints", `no epoll tracepoint${tail}`, "use a kernel with CONFIG_FTRACE_SYSCALLS=y");
  return ok("wait-tracepoints", `present: ${present.join(", ")}${tail}`);
}
