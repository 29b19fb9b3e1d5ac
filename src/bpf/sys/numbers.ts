// Syscall numbers and kernel ABI constants. Syscall numbers differ per architecture; everything
// else here is uapi (append-only) and identical on x86_64 and arm64.
// Sources: x86_64 asm/unistd_64.h, asm-generic/unistd.h (arm64), include/uapi/linux/bpf.h,
// perf_event.h (checked against libbpf's synced uapi copy, see shared/research/ebpf-loader.md).

export interface SyscallNumbers {
  readonly bpf: number;
  readonly perfEventOpen: number;
  readonly ioctl: number;
  /** pidfd_open(2), linux 5.3: 434 on every architecture (the unified numbering from 5.1 on). */
  readonly pidfdOpen: number;
}

const TABLE: Readonly<Record<string, SyscallNumbers>> = {
  x64: { bpf: 321, perfEventOpen: 298, ioctl: 16, pidfdOpen: 434 },
  arm64: { bpf: 280, perfEventOpen: 241, ioctl: 29, pidfdOpen: 434 },
};

/** The syscall numbers of `arch` (a `process.arch` value), or undefined when not supported. */
export function syscallNumbersFor(arch: string): SyscallNumbers | undefined {
  return TABLE[arch];
}

/** bpf(2) commands (enum bpf_cmd). */
export const BpfCmd = {
  MapCreate: 0,
  MapLookupElem: 1,
  MapUpdateElem: 2,
  MapDeleteElem: 3,
  MapGetNextKey: 4,
  ProgLoad: 5,
  ProgGetNextId: 11,
  ProgGetFdById: 13,
  ObjGetInfoByFd: 15,
  LinkCreate: 28,
} as const;

/** enum bpf_map_type (subset). */
export const MapType = {
  Hash: 1,
  Array: 2,
  ProgArray: 3,
  PerCpuArray: 6,
  RingBuf: 27,
} as const;
export type MapTypeId = (typeof MapType)[keyof typeof MapType];

/** enum bpf_prog_type (subset). */
export const ProgType = {
  Tracepoint: 5,
} as const;

export const BPF_F_MMAPABLE = 1 << 10; // 5.5
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_PERF_EVENT = 41; // enum bpf_attach_type, link_create target for perf events (5.15)
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;

export const PERF_TYPE_TRACEPOINT = 2;
export const PERF_FLAG_FD_CLOEXEC = 8;
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
export const PERF_EVENT_IOC_SET_BPF = 0x40042408; // _IOW('$', 8, u32): argument is the fd value

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const EPOLL_CLOEXEC = 0o2000000;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;
export const EPOLLIN = 1;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const RLIMIT_MEMLOCK = 8;
