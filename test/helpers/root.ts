// Root-only tests skip with a printed reason when not root, and CI (root) always runs them.
import type { TestContext } from "node:test";

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Call at the top of a root test; returns false (after skipping with a reason) when not root. */
export function requireRoot(t: TestContext): boolean {
  if (isRoot) return true;
  if (process.env["CI"] === "true") throw new Error("CI must run root tests as root, but uid != 0");
  t.skip("needs root (real BPF and ptrace); run `sudo npm test`");
  return false;
}
