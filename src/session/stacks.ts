// stacks: the attributor factory the CLI uses (sampler + correlator). Filled in when the sampler lands.
import type { AttributorFactory } from "./watcher.js";

export const stackAttributors: AttributorFactory | undefined = undefined;
