// ns: the kernel reports thread ids as the tool's pid namespace sees them; CPython records
// `native_thread_id` as the target's own namespace sees it (a container's). The Python reader
// matches threads by the latter, so the sampler translates once per thread through NSpid.

/** The innermost-namespace id from a /proc/…/status text (`NSpid:\t812\t7`, Linux 4.1), or null. */
export function parseNsPid(status: string): number | null {
  const m = /^NSpid:\s*([\d\s]+)$/m.exec(status);
  const ids = m?.[1]?.trim().split(/\s+/).map(Number) ?? [];
  const last = ids[ids.length - 1];
  return last === undefined || !Number.isInteger(last) || last <= 0 ? null : last;
}
