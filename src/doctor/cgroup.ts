// cgroup: which container (and Kubernetes pod) a process runs in, from /proc/PID/cgroup paths.
// Layouts seen in the wild (cgroup v1 "N:ctrl:/path" and v2 "0::/path"):
//   docker, cgroupfs driver:      /docker/<64 hex>
//   docker, systemd driver:       /system.slice/docker-<64 hex>.scope
//   kubelet cgroupfs + containerd: /kubepods/burstable/pod<uid>/<64 hex>
//   kubelet systemd + containerd:  /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_with_underscores>.slice/cri-containerd-<64 hex>.scope
//   cri-o:                        …/crio-<64 hex>.scope (crio-conmon-<hex>.scope is the monitor, not the container)
//   podman:                       …/libpod-<64 hex>.scope

export type Runtime = "docker" | "containerd" | "cri-o" | "podman" | "unknown";

export interface CgroupInfo {
  readonly path: string; // the most specific path found ("/" when none)
  readonly containerId?: string;
  readonly runtime?: Runtime;
  readonly podUid?: string; // with dashes, as the API server prints it
}

/** The cgroup paths of a /proc/PID/cgroup text, longest first (the v2 line, or the deepest v1 one). */
export function cgroupPaths(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    const j = i < 0 ? -1 : line.indexOf(":", i + 1);
    if (j < 0) continue;
    paths.push(line.slice(j + 1).trim());
  }
  return paths.sort((a, b) => b.length - a.length);
}

const RUNTIME_PREFIX: ReadonlyArray<readonly [RegExp, Runtime]> = [
  [/^docker-$/, "docker"],
  [/^cri-containerd-$/, "containerd"],
  [/^crio-$/, "cri-o"],
  [/^libpod-$/, "podman"],
];

function containerOf(path: string): { id: string; runtime: Runtime } | undefined {
  const segments = path.split("/").filter((s) => s !== "");
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i] ?? "";
    if (seg.startsWith("crio-conmon-")) continue;
    const m = /^(.*?)([0-9a-f]{64})(?:\.scope)?$/.exec(seg);
    if (m === null) continue;
    const prefix = m[1] ?? "";
    const id = m[2] ?? "";
    const known = RUNTIME_PREFIX.find(([re]) => re.test(prefix));
    if (known !== undefined) return { id, runtime: known[1] };
    if (prefix === "") return { id, runtime: segments[i - 1] === "docker" ? "docker" : "unknown" }; // cgroupfs drivers
  }
  return undefined;
}

function podOf(path: string): string | undefined {
  // The UID is a UUID; the systemd driver writes its dashes as underscores.
  const m = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:\/|$)/.exec(path);
  return m?.[1]?.replace(/_/g, "-");
}

export function parseCgroup(text: string): CgroupInfo {
  const paths = cgroupPaths(text);
  for (const path of paths) {
    const c = containerOf(path);
    const pod = podOf(path);
    if (c === undefined && pod === undefined) continue;
    return {
      path,
      ...(c === undefined ? {} : { containerId: c.id, runtime: c.runtime }),
      ...(pod === undefined ? {} : { podUid: pod }),
    };
  }
  return { path: paths[0] ?? "/" };
}
