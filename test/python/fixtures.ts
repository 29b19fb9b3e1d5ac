// Paths of test fixtures (tests run from dist/test/python, fixtures stay in the source tree).
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
export const fixture = (name: string): string => resolve(repoRoot, "test/fixtures/python", name);
