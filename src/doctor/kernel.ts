// kernel: parse and compare `uname -r` releases ("6.18.44-fc-v769", "5.15.0-91-generic").

export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The leading "major.minor[.patch]" of a release string, or undefined when there is none. */
export function parseKernelRelease(release: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareKernel(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `release` is at least `minimum` ("5.8"); false when the release does not parse. */
export function kernelAtLeast(release: string, minimum: string): boolean {
  const a = parseKernelRelease(release);
  const b = parseKernelRelease(minimum);
  return a !== undefined && b !== undefined && compareKernel(a, b) >= 0;
}

export const formatKernel = (v: KernelVersion): string => `${v.major}.${v.minor}.${v.patch}`;
