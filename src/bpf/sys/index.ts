// The kernel ABI choke point: everything above calls these typed wrappers, never koffi.
export * from "./numbers.js";
export * from "./errors.js";
export * from "./attr.js";
export * from "./bpf.js";
export * from "./objects.js";
export * from "./perf.js";
export * from "./mem.js";
export * from "./epoll.js";
export * from "./pidfd.js";
