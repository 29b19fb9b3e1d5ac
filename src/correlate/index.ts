// correlate: block events ⨝ stack samples (same pid+tid, exact [start, end] window).
export { StackAttribution, stackAttributorFactory, type AttributionStats, type StackAttributionOptions, type WatchStacksConfig } from "./attribution.js";
export { Correlator, type Attribution, type BlockWindow, type CorrelatorOptions } from "./correlator.js";
export { groupSamples, type Grouped, type SourceLine } from "./group.js";
export { SampleStore, stackKey, type StoreLimits } from "./store.js";
