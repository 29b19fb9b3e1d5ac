// The Kubernetes manifests in deploy/: parsed, and checked for what running blocksnoop relies on.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../helpers/cli.js";
import { at, isMap, list, map, memoryBytes, str, strings, type YamlMap } from "./access.js";
import { parseDocuments, type Yaml } from "./yaml-subset.js";

const dir = path.join(repoRoot, "deploy");
const read = (f: string): Yaml[] => parseDocuments(fs.readFileSync(path.join(dir, f), "utf8"));
const MANIFESTS = ["daemonset.yaml", "pod-sidecar.yaml"];
const NEEDED_CAPS = ["BPF", "PERFMON", "SYS_PTRACE"];

/** The discovery-mode command line the manifests assume the CLI accepts, flag by flag. */
const DISCOVERY_FLAGS = ["--all", "--match", "--log-file", "--metrics", "--service", "--env"];

function byKind(docs: Yaml[], kind: string): YamlMap {
  const d = docs.find((x) => at(x, "kind") === kind);
  assert.ok(isMap(d), `a ${kind}`);
  return d;
}

function blocksnoopContainer(podSpec: YamlMap): YamlMap {
  const c = list(podSpec, "containers").find((x) => at(x, "name") === "blocksnoop");
  assert.ok(isMap(c), "a container named blocksnoop");
  return c;
}

/** What every blocksnoop container needs, wherever it runs. */
function checkContainer(pod: YamlMap, c: YamlMap): void {
  assert.match(str(c, "image"), /^[\w.-]+(\/[\w.-]+)+:[\w.-]+$/, "an image with a registry path and a tag");
  const args = strings(c, "args");
  for (const f of DISCOVERY_FLAGS) assert.ok(args.includes(f), `args has ${f}`);
  const value = (flag: string): string => args[args.indexOf(flag) + 1] ?? assert.fail(`${flag} has a value`);
  assert.equal(value("--match"), "python");

  const privileged = at(c, "securityContext.privileged") === true;
  if (!privileged) {
    const add = strings(c, "securityContext.capabilities.add");
    for (const cap of NEEDED_CAPS) assert.ok(add.includes(cap), `capabilities.add has ${cap}`);
  }

  const mounts = list(c, "volumeMounts");
  const volumes = list(pod, "volumes");
  const volumeAt = (mountPath: string): YamlMap => {
    const m = mounts.find((x) => at(x, "mountPath") === mountPath);
    assert.ok(isMap(m), `a volume mounted at ${mountPath}`);
    const v = volumes.find((x) => at(x, "name") === at(m, "name"));
    assert.ok(isMap(v), `volume ${String(at(m, "name"))} is declared`);
    return v;
  };
  assert.equal(str(volumeAt("/sys/kernel/tracing"), "hostPath.path"), "/sys/kernel/tracing", "the host's tracefs");
  const logDir = path.posix.dirname(value("--log-file"));
  volumeAt(logDir); // the log file lands on a volume, not in the container's (read-only) root

  const [, port] = /^[\d.]+:(\d+)$/.exec(value("--metrics")) ?? assert.fail("--metrics HOST:PORT");
  const ports = list(c, "ports");
  assert.ok(ports.some((p) => at(p, "containerPort") === Number(port) && at(p, "name") === "metrics"), `containerPort ${port} named metrics`);
  assert.equal(port, "9464");

  assert.ok(memoryBytes(str(c, "resources.limits.memory")) >= memoryBytes("128Mi"), "memory limit ≥ 128Mi");
  assert.ok(isMap(at(c, "resources.requests")), "resource requests");
}

test("every manifest parses and names its apiVersion, kind and metadata.name", () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  assert.deepEqual(files.sort(), ["daemonset.yaml", "debug-custom.yaml", "pod-sidecar.yaml"]);
  for (const f of MANIFESTS) {
    for (const d of read(f)) {
      assert.ok(isMap(d), `${f}: a mapping`);
      for (const k of ["apiVersion", "kind", "metadata.name"]) assert.ok(str(d, k).length > 0, `${f}: ${k}`);
    }
  }
});

test("DaemonSet: host pid namespace, selector matches the template, capabilities, tracefs, logs, metrics", () => {
  const docs = read("daemonset.yaml");
  const ds = byKind(docs, "DaemonSet");
  assert.equal(str(ds, "apiVersion"), "apps/v1");
  const selector = map(ds, "spec.selector.matchLabels");
  const labels = map(ds, "spec.template.metadata.labels");
  for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v, `template label ${k} matches the selector`);
  const pod = map(ds, "spec.template.spec");
  assert.equal(pod["hostPID"], true);
  const c = blocksnoopContainer(pod);
  checkContainer(pod, c);
  assert.ok(list(pod, "volumes").some((v) => at(v, "hostPath.path") === "/sys/kernel/debug"), "debugfs for older distributions");
  assert.ok(list(pod, "volumes").some((v) => at(v, "hostPath.path") === "/var/log/blocksnoop"), "logs on the node for a log agent");
  assert.equal(at(c, "securityContext.privileged"), false, "capabilities, not privileged");

  const annotations = map(ds, "spec.template.metadata.annotations");
  assert.deepEqual([annotations["prometheus.io/scrape"], annotations["prometheus.io/port"]], ["true", "9464"]);
  assert.equal(annotations["container.apparmor.security.beta.kubernetes.io/blocksnoop"], "unconfined", "AppArmor names the container");

  const svc = byKind(docs, "Service");
  assert.equal(at(svc, "metadata.namespace"), at(ds, "metadata.namespace"));
  for (const [k, v] of Object.entries(map(svc, "spec.selector"))) assert.equal(labels[k], v, `service selects the pods (${k})`);
  const sp = list(svc, "spec.ports")[0];
  assert.equal(at(sp, "port"), 9464);
  assert.equal(at(sp, "targetPort"), "metrics");
  assert.equal(at(svc, "metadata.annotations.prometheus.io/scrape"), undefined, "dotted keys are not paths");
  assert.equal(map(svc, "metadata.annotations")["prometheus.io/scrape"], "true");

  const ns = byKind(docs, "Namespace");
  assert.equal(str(ns, "metadata.name"), str(ds, "metadata.namespace"));
  assert.equal(map(ns, "metadata.labels")["pod-security.kubernetes.io/enforce"], "privileged");
});

test("sidecar pod: shares the pod's process namespace, same container needs", () => {
  const pod = byKind(read("pod-sidecar.yaml"), "Pod");
  const spec = map(pod, "spec");
  assert.equal(spec["shareProcessNamespace"], true);
  checkContainer(spec, blocksnoopContainer(spec));
});

test("kubectl debug custom profile adds the capabilities, incl. SYS_ADMIN to mount tracefs", () => {
  const [custom] = read("debug-custom.yaml");
  const add = strings(custom, "securityContext.capabilities.add");
  for (const cap of [...NEEDED_CAPS, "SYS_ADMIN"]) assert.ok(add.includes(cap), cap);
  assert.equal(at(custom, "image"), undefined, "kubectl refuses image/command in custom profiles");
  assert.equal(at(custom, "command"), undefined);
});

test("deploy/README.md documents the debug recipe, the capabilities and every manifest", () => {
  const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
  assert.match(readme, /kubectl debug -it POD --image=\S+ --target=CONTAINER \\\n\s+--profile=sysadmin -- blocksnoop 1/);
  for (const s of ["CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE", "/sys/kernel/tracing", "blocksnoop doctor", ...fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"))]) {
    assert.ok(readme.includes(s), `README mentions ${s}`);
  }
});
