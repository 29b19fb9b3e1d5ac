// /proc/PID/cgroup → container id and pod UID, for each runtime and cgroup driver in use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCgroup } from "../../src/doctor/cgroup.js";

const ID = "3f0e5bd4c1a8e7f2b9d6a0c4e8f1b2a3c5d7e9f0a1b2c3d4e5f6a7b8c9d0e1f2";
const UID = "6b1c5e2a-4d3f-4a8b-9c7d-0e1f2a3b4c5d";
const UID_ = UID.replace(/-/g, "_");

test("docker with the cgroupfs driver (cgroup v1)", () => {
  const text = `12:memory:/docker/${ID}\n11:pids:/docker/${ID}\n1:name=systemd:/docker/${ID}\n`;
  assert.deepEqual(parseCgroup(text), { path: `/docker/${ID}`, containerId: ID, runtime: "docker" });
});

test("docker with the systemd driver (cgroup v2)", () => {
  assert.deepEqual(parseCgroup(`0::/system.slice/docker-${ID}.scope\n`), { path: `/system.slice/docker-${ID}.scope`, containerId: ID, runtime: "docker" });
});

test("kubelet systemd driver + containerd (cgroup v2): pod UID has underscores in the slice name", () => {
  const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`;
  assert.deepEqual(parseCgroup(`0::${path}\n`), { path, containerId: ID, runtime: "containerd", podUid: UID });
});

test("kubelet cgroupfs driver + containerd (cgroup v1)", () => {
  const path = `/kubepods/besteffort/pod${UID}/${ID}`;
  const text = `12:cpuset:${path}\n5:memory:${path}\n0::/\n`;
  assert.deepEqual(parseCgroup(text), { path, containerId: ID, runtime: "unknown", podUid: UID });
});

test("cri-o (systemd driver): the container scope, not conmon's", () => {
  const path = `/kubepods.slice/kubepods-pod${UID_}.slice/crio-${ID}.scope`;
  assert.deepEqual(parseCgroup(`0::${path}\n`), { path, containerId: ID, runtime: "cri-o", podUid: UID });
  const conmon = `/kubepods.slice/kubepods-pod${UID_}.slice/crio-conmon-${ID}.scope`;
  assert.deepEqual(parseCgroup(`0::${conmon}\n`), { path: conmon, podUid: UID });
});

test("podman (libpod scope)", () => {
  const path = `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`;
  assert.deepEqual(parseCgroup(`0::${path}\n`), { path, containerId: ID, runtime: "podman" });
});

test("a host process, a systemd service, and a cgroup namespace's '/' carry no container", () => {
  assert.deepEqual(parseCgroup("0::/user.slice/user-0.slice/session-3.scope\n"), { path: "/user.slice/user-0.slice/session-3.scope" });
  assert.deepEqual(parseCgroup("0::/system.slice/nginx.service\n"), { path: "/system.slice/nginx.service" });
  assert.deepEqual(parseCgroup("0::/\n"), { path: "/" });
  assert.deepEqual(parseCgroup(""), { path: "/" });
});
