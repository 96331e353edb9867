#!/usr/bin/env bash
# `make test-deploy`: the deployment files, tested for real under podman (../shared/DEPLOY_NOTES.md).
#   1. static checks: docker-compose config -q, promtool check config / check rules / test rules, the Grafana
#      dashboard's JSON, kustomize rendering (when kubectl is there)
#   2. the debootstrap base image (cached: built only if missing), the Chat-Rec and Prometheus images
#   3. the compose stack under podman's Docker-compatible socket: init, four services, Prometheus; wait for
#      health, hold a conversation through the published dialogue port with the CLI from the image, retrain
#      while running, check that Prometheus has all four targets up and has seen the conversation's RPCs in
#      chatrec_rpc_requests_total, evaluate every dashboard query; down
#   4. `podman kube play` of the Kubernetes manifests at replicas 1: every service reports SERVING and the
#      dialogue pod serves a full recommendation; down
# Exits non-zero on any failure; stops everything it started (by PID / by project name) on the way out.
#
# Environment: CHATREC_DATA (../shared/data), CHATREC_IMAGE (localhost/chatrec:dev), JOBS (2),
#   DEPLOY_TEST_BUILD=0 to use the existing images as they are, DEPLOY_TEST_PREBUILT_BIN=build/bin to put
#   host-built binaries (Debian 12) in the image instead of compiling them again in its build stage (CI), DEPLOY_TEST_STATIC_ONLY=1 for step 1 alone,
#   DEPLOY_TEST_KEEP=1 to keep the run directory (logs, rendered manifests; always kept on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s)
step() { echo "[deploy-test $(($(date +%s) - START))s] $*"; }
fail() { echo "[deploy-test $(($(date +%s) - START))s] FAILED: $*" >&2; exit 1; }

export CHATREC_DATA=${CHATREC_DATA:-$(cd .. && pwd)/shared/data}
export CONTAINERS_CONF=$ROOT/deploy/podman/containers.conf
export CHATREC_IMAGE=${CHATREC_IMAGE:-localhost/chatrec:dev}
export CHATREC_PROMETHEUS_IMAGE=${CHATREC_PROMETHEUS_IMAGE:-localhost/chatrec-prometheus:dev}
BASE_IMAGE=localhost/debian:bookworm
COMPOSE_FILE=$ROOT/deploy/docker-compose.yml
export COMPOSE_PROJECT_NAME=chatrec-deploy-test-$$
KUBE_PREFIX=chatrec-kube-test-$$
JOBS=${JOBS:-2}

# ---- packages ---------------------------------------------------------------------------------------------
PACKAGES=(podman runc netavark aardvark-dns iptables catatonit podman-compose debootstrap docker-compose
  prometheus uidmap slirp4netns curl jq python3 python3-yaml)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for d in ml-100k ml-100k-kg-dbpedia; do
  [ -d "$CHATREC_DATA/$d" ] || fail "$CHATREC_DATA/$d not found (set CHATREC_DATA to the shared data sets)"
done

# ---- cleanup: everything this script starts is stopped here -----------------------------------------------
RUN_DIR=$(mktemp -d /tmp/chatrec-deploy-test.XXXXXX)
SOCKET_PID=""
PUMP_PID=""
COMPOSE_UP=0
KUBE_FILES=()
cleanup() {
  local rc=$?
  set +e
  if [ -n "$PUMP_PID" ]; then kill "$PUMP_PID" 2>/dev/null; wait "$PUMP_PID" 2>/dev/null; fi
  if [ "$COMPOSE_UP" = 1 ]; then
    if [ "$rc" != 0 ]; then
      echo "---- compose logs (last 40 lines per service) ----" >&2
      compose logs --no-color --tail 40 >&2
    fi
    step "compose down"
    compose down -v --timeout 20 >"$RUN_DIR/compose-down.log" 2>&1 || cat "$RUN_DIR/compose-down.log" >&2
  fi
  if [ ${#KUBE_FILES[@]} -gt 0 ]; then
    # kube play --down leaves the anonymous volumes of the image's VOLUMEs behind: note them first.
    anon=$(podman ps -a -q --filter "name=^$KUBE_PREFIX-" | xargs -r podman inspect \
      -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' 2>/dev/null)
    for f in "${KUBE_FILES[@]}"; do
      podman kube play --down "$f" >>"$RUN_DIR/kube-down.log" 2>&1
    done
    # shellcheck disable=SC2086,SC2046
    podman volume rm -f $anon $(podman volume ls -q --filter "name=$KUBE_PREFIX") >/dev/null 2>&1
    podman network rm -f "$KUBE_PREFIX" >/dev/null 2>&1
  fi
  if [ -n "$SOCKET_PID" ]; then
    kill "$SOCKET_PID" 2>/dev/null
    wait "$SOCKET_PID" 2>/dev/null
  fi
  if [ "${DEPLOY_TEST_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
    echo "logs kept in $RUN_DIR" >&2
  else
    rm -rf "$RUN_DIR"
  fi
  if [ "$rc" = 0 ]; then step "PASSED"; else step "FAILED (exit $rc)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

compose() { DOCKER_HOST="unix://$RUN_DIR/podman.sock" docker-compose -f "$COMPOSE_FILE" "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- 1. static checks -------------------------------------------------------------------------------------
step "static checks"
docker-compose -f "$COMPOSE_FILE" config -q
promtool check config deploy/prometheus/prometheus.yml >/dev/null
promtool check rules deploy/prometheus/rules.yml >/dev/null
promtool test rules deploy/prometheus/rules_test.yml >/dev/null
jq -e '.panels | length > 0' deploy/grafana/chatrec.json >/dev/null
if command -v kubectl >/dev/null; then
  kubectl kustomize deploy/k8s >"$RUN_DIR/k8s-rendered.yaml"
fi
python3 - "$ROOT/deploy/k8s" <<'EOF'
# Every manifest parses, every resource in kustomization.yaml exists, every pod template has probes and
# resource requests on its long-running containers.
import sys, yaml, pathlib
d = pathlib.Path(sys.argv[1])
k = yaml.safe_load((d / "kustomization.yaml").read_text())
for res in k["resources"]:
    for doc in yaml.safe_load_all((d / res).read_text()):
        if doc["kind"] in ("Deployment", "StatefulSet"):
            for c in doc["spec"]["template"]["spec"]["containers"]:
                for key in ("readinessProbe", "livenessProbe"):
                    assert key in c, f"{res}: {c['name']} has no {key}"
                assert c["resources"]["requests"], f"{res}: {c['name']} has no resource requests"
EOF
if [ "${DEPLOY_TEST_STATIC_ONLY:-0}" = 1 ]; then
  step "static checks passed"
  exit 0
fi

# ---- 2. images --------------------------------------------------------------------------------------------
# `FROM debian:bookworm` needs docker.io/library/debian:bookworm; without a registry it is built from Debian's
# archive with debootstrap once and kept in podman's image store.
if ! podman image exists docker.io/library/debian:bookworm && ! podman image exists "$BASE_IMAGE"; then
  step "building the base image $BASE_IMAGE with debootstrap (once; cached in podman's image store)"
  rootfs=$RUN_DIR/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$RUN_DIR/debootstrap.log" 2>&1 ||
    { tail -20 "$RUN_DIR/debootstrap.log" >&2; fail "debootstrap"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
fi
podman image exists docker.io/library/debian:bookworm || podman tag "$BASE_IMAGE" docker.io/library/debian:bookworm
if [ "${DEPLOY_TEST_BUILD:-1}" = 1 ]; then
  step "building $CHATREC_IMAGE (docker/Dockerfile; log: $RUN_DIR/build-chatrec.log)"
  # The build stage gets a tag of its own so that its layers (build packages, compiled tree) stay cached
  # when superseded images are pruned below; the second build reuses them.
  if [ -n "${DEPLOY_TEST_PREBUILT_BIN:-}" ]; then
    # Host-built binaries (Debian 12, e.g. build/bin after `make test`) instead of a second full compile in
    # the build stage: staged in .prebuilt/ with their runtime package list, removed again after the build.
    step "using the prebuilt binaries in $DEPLOY_TEST_PREBUILT_BIN"
    rm -rf .prebuilt && mkdir -p .prebuilt/bin
    for b in chatrec chatrec-dialogue chatrec-retrieval chatrec-scoring chatrec-feedback; do
      [ -x "$DEPLOY_TEST_PREBUILT_BIN/$b" ] || fail "no $DEPLOY_TEST_PREBUILT_BIN/$b (run make build first)"
      strip -o ".prebuilt/bin/$b" "$DEPLOY_TEST_PREBUILT_BIN/$b"
    done
    scripts/runtime_packages.sh .prebuilt/bin/* >.prebuilt/runtime-packages.txt
    # The runtime stage of docker/Dockerfile as it is, on a `build` stage that holds the staged binaries.
    { echo "FROM debian:bookworm AS build"; echo "COPY .prebuilt/ /out/"; sed -n '/^# ---- runtime/,$p' docker/Dockerfile; } \
      >"$RUN_DIR/prebuilt.Dockerfile"
    podman build -f "$RUN_DIR/prebuilt.Dockerfile" -t "$CHATREC_IMAGE" . \
      >>"$RUN_DIR/build-chatrec.log" 2>&1 || { rm -rf .prebuilt; tail -40 "$RUN_DIR/build-chatrec.log" >&2; fail "building $CHATREC_IMAGE"; }
    rm -rf .prebuilt
  else
    for target in build runtime; do
      tag=$CHATREC_IMAGE
      [ "$target" = build ] && tag=${CHATREC_IMAGE%:*}-build:${CHATREC_IMAGE##*:}
      podman build --build-arg JOBS="$JOBS" --target "$target" -f docker/Dockerfile -t "$tag" . \
        >>"$RUN_DIR/build-chatrec.log" 2>&1 || { tail -40 "$RUN_DIR/build-chatrec.log" >&2; fail "building $tag"; }
    done
  fi
  step "building $CHATREC_PROMETHEUS_IMAGE"
  podman build -f docker/prometheus.Dockerfile -t "$CHATREC_PROMETHEUS_IMAGE" docker >"$RUN_DIR/build-prometheus.log" 2>&1 ||
    { tail -40 "$RUN_DIR/build-prometheus.log" >&2; fail "building $CHATREC_PROMETHEUS_IMAGE"; }
  # Images of earlier builds that lost their tag (about 1 GB per source change); the layer cache stays.
  podman image prune -f --filter label=io.chatrec.image >/dev/null
fi
podman image exists "$CHATREC_IMAGE" || fail "no image $CHATREC_IMAGE"
podman image exists "$CHATREC_PROMETHEUS_IMAGE" || fail "no image $CHATREC_PROMETHEUS_IMAGE"
# The runtime image must hold no data sets and run as the non-root user.
[ "$(podman image inspect -f '{{.Config.User}}' "$CHATREC_IMAGE")" = chatrec ] || fail "image does not run as chatrec"
if podman run --rm --user root --entrypoint sh "$CHATREC_IMAGE" -c 'find / -xdev \( -name u.data -o -name u.item \) | grep -q .'; then
  fail "data set files found inside $CHATREC_IMAGE"
fi

# ---- 3. compose under podman ------------------------------------------------------------------------------
step "starting the podman API socket"
podman system service --time=0 "unix://$RUN_DIR/podman.sock" >"$RUN_DIR/podman-service.log" 2>&1 &
SOCKET_PID=$!
for _ in $(seq 1 50); do [ -S "$RUN_DIR/podman.sock" ] && break; sleep 0.1; done
[ -S "$RUN_DIR/podman.sock" ] || fail "podman system service did not create its socket"

# Podman runs healthchecks from systemd timers, and there is no systemd here: run them every 2 s instead, so
# that `depends_on: condition: service_healthy` and the health states behave as under Docker.
health_pump() {
  while true; do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"); do
      podman healthcheck run "$id" >/dev/null 2>&1 || true
    done
    sleep 2
  done
}
health_pump &
PUMP_PID=$!

DIALOGUE_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
export CHATREC_DIALOGUE_PUBLISH=127.0.0.1:$DIALOGUE_PORT
export CHATREC_PROMETHEUS_PUBLISH=127.0.0.1:$PROMETHEUS_PORT
step "compose up (project $COMPOSE_PROJECT_NAME; dialogue on :$DIALOGUE_PORT, Prometheus on :$PROMETHEUS_PORT)"
COMPOSE_UP=1
compose up -d --no-build >"$RUN_DIR/compose-up.log" 2>&1 || { cat "$RUN_DIR/compose-up.log" >&2; fail "compose up"; }

container_of() { compose ps -q "$1"; }
health_of() { podman inspect -f '{{.State.Health.Status}}' "$(container_of "$1")" 2>/dev/null || echo missing; }
for s in feedback retrieval scoring dialogue; do
  for _ in $(seq 1 90); do
    [ "$(health_of "$s")" = healthy ] && break
    sleep 1
  done
  [ "$(health_of "$s")" = healthy ] || fail "$s is $(health_of "$s"), not healthy"
done
init_rc=$(podman ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
  --filter label=com.docker.compose.service=init --format '{{.ExitCode}}')
[ "$init_rc" = 0 ] || fail "init exited $init_rc"
step "all four services healthy"

# The CLI from the image, on the host network, through the published port: what a frontend sees.
chat() {
  podman run --rm -i --network host "$CHATREC_IMAGE" chatrec chat --dialogue "127.0.0.1:$DIALOGUE_PORT" "$@"
}
printf '%s\n' "I'd like a comedy from the 90s" "something with Tom Hanks" "I've already seen Forrest Gump" |
  chat --user "deploy-test-$$" --json --k 3 >"$RUN_DIR/conversation.json" || fail "chat"
python3 - "$RUN_DIR/conversation.json" <<'EOF' || fail "the conversation"
# `chat --json` prints one JSON object per turn (possibly pretty-printed): decode them one after another.
import json, sys
text = open(sys.argv[1]).read()
dec, i, turns = json.JSONDecoder(), 0, []
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    obj, i = dec.raw_decode(text, i)
    turns.append(obj)
assert len(turns) == 3, f"expected 3 turns, got {len(turns)}"
for t in turns:
    assert t.get("path") == "SERVING_PATH_FULL", f"turn {t.get('turn')} served by {t.get('path')}: {t}"
    assert t.get("items"), f"turn {t.get('turn')} has no items: {t}"
titles = [[item["title"] for item in t["items"]] for t in turns]
assert "Forrest Gump" in titles[1], f"no Forrest Gump for 90s comedies with Tom Hanks: {titles[1]}"
assert "Forrest Gump" not in titles[2], f"Forrest Gump came back after 'already seen': {titles[2]}"
print("conversation:", " | ".join(", ".join(t) for t in titles))
EOF

# Retraining while the stack runs (docker-compose.yml's header says how): a second model version appears, and
# the next turn is still served in full.
compose run --rm -T init chatrec train >"$RUN_DIR/retrain.log" 2>&1 || { cat "$RUN_DIR/retrain.log" >&2; fail "retraining"; }
models=$(compose run --rm -T init chatrec models 2>/dev/null | grep -c . || true)
[ "$models" -ge 2 ] || fail "expected 2 model versions after retraining, found $models"
echo "something with Tom Hanks" | chat --user "deploy-test-$$-2" --json >"$RUN_DIR/after-retrain.json" || fail "chat after retraining"
jq -e -s '.[0].path == "SERVING_PATH_FULL"' "$RUN_DIR/after-retrain.json" >/dev/null ||
  { cat "$RUN_DIR/after-retrain.json" >&2; fail "the turn after retraining was not served in full"; }
step "retrained while running: $models model versions; the next turn served in full"

# For the resource requests in deploy/k8s: memory after a conversation.
podman ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" |
  xargs -r podman stats --no-stream --format '  memory: {{.Name}} {{.MemUsage}}' 2>/dev/null || true

# Prometheus: all four targets up, the request counter seen, every dashboard query valid.
prom() { curl -fsS --max-time 5 "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/$1" "${@:2}"; }
prom_query() { prom query --data-urlencode "query=$1"; }
up_ok=0
for _ in $(seq 1 60); do
  if prom_query 'up{job="chatrec"}' >"$RUN_DIR/up.json" 2>/dev/null &&
    jq -e '[.data.result[] | select(.value[1] == "1")] | length == 4' "$RUN_DIR/up.json" >/dev/null; then
    up_ok=1
    break
  fi
  sleep 1
done
[ "$up_ok" = 1 ] || { cat "$RUN_DIR/up.json" >&2 || true; fail "Prometheus does not report up == 1 for all four targets"; }
# Health checks are RPCs too: require the conversation's own calls, one method per service.
seen_ok=0
for _ in $(seq 1 30); do
  prom_query 'sum by (service, method) (chatrec_rpc_requests_total{code="OK"})' >"$RUN_DIR/requests.json"
  if jq -e '[.data.result[] | .metric.service + "/" + .metric.method] as $seen
      | ["dialogue/Converse", "retrieval/Retrieve", "scoring/Score", "feedback/Record"] - $seen | length == 0' \
    "$RUN_DIR/requests.json" >/dev/null; then
    seen_ok=1
    break
  fi
  sleep 1
done
[ "$seen_ok" = 1 ] || { cat "$RUN_DIR/requests.json" >&2; fail "Prometheus has not seen the conversation's RPCs in chatrec_rpc_requests_total"; }
step "Prometheus: 4/4 targets up; chatrec_rpc_requests_total: $(jq -r '[.data.result[] | "\(.metric.service)/\(.metric.method)=\(.value[1])"] | sort | join(" ")' "$RUN_DIR/requests.json")"
prom rules | jq -e '[.data.groups[].rules[]] | length >= 10' >/dev/null || fail "Prometheus did not load rules.yml"
jq -r '.panels[].targets[]?.expr' deploy/grafana/chatrec.json | while read -r expr; do
  q=${expr//\$__rate_interval/1m}
  q=${q//\$service/.*}
  prom_query "$q" >/dev/null || fail "dashboard query rejected by Prometheus: $expr"
done
step "dashboard queries all evaluate"
compose down -v --timeout 20 >"$RUN_DIR/compose-down.log" 2>&1 || { cat "$RUN_DIR/compose-down.log" >&2; fail "compose down"; }
COMPOSE_UP=0
kill "$PUMP_PID" 2>/dev/null || true
wait "$PUMP_PID" 2>/dev/null || true
PUMP_PID=""
step "compose stack down"

# ---- 4. Kubernetes manifests under podman kube play -------------------------------------------------------
# podman kube play knows Pods, Deployments, PersistentVolumeClaims and ConfigMaps. The manifests are rewritten
# for it: replicas 1, imagePullPolicy Never, the Job as a Pod, each StatefulSet as a Deployment with its
# volume claim template as a claim, each (claim, subPath) as a claim of its own, the data claim as a read-only
# hostPath, init containers as one-shot pods, probes dropped (exec'd by hand below), Services and HPAs left
# out (no cluster DNS: the dialogue pod is pointed at the other pods' names on a network with DNS).
step "podman kube play of deploy/k8s (replicas 1)"
podman network create "$KUBE_PREFIX" >/dev/null
python3 - "$ROOT/deploy/k8s" "$RUN_DIR" "$KUBE_PREFIX" "$CHATREC_IMAGE" "$CHATREC_DATA" <<'EOF'
import sys, yaml, pathlib
src, out, prefix, image, data = sys.argv[1:]
src, out = pathlib.Path(src), pathlib.Path(out)
k = yaml.safe_load((src / "kustomization.yaml").read_text())
docs = [d for r in k["resources"] for d in yaml.safe_load_all((src / r).read_text()) if d]
claims, init, preinit, services, subclaims = [], [], [], [], set()

def fix_pod(spec, name):
    for c in spec.get("initContainers", []) + spec["containers"]:
        c["image"] = image
        c["imagePullPolicy"] = "Never"
        for e in c.get("env", []):   # Service names -> the names of the pods kube play creates, in DNS
            for svc in ("feedback", "retrieval", "scoring"):
                e["value"] = e["value"].replace(f"chatrec-{svc}:", f"{prefix}-{svc}-pod-0:")
        # kube play has no grpc probes; exec probes become podman healthchecks, which need systemd here.
        for p in ("startupProbe", "readinessProbe", "livenessProbe"):
            c.pop(p, None)
        # kube play mounts a claim's root whatever the subPath: give each (claim, subPath) a claim of its own.
        for m in c.get("volumeMounts", []):
            sub = m.pop("subPath", None)
            if sub:
                base = next(v for v in spec["volumes"] if v["name"] == m["name"])
                name = f"{m['name']}-{sub}"
                m["name"] = name
                if not any(v["name"] == name for v in spec["volumes"]):
                    claim = f"{base['persistentVolumeClaim']['claimName']}-{sub}"
                    spec["volumes"].append({"name": name, "persistentVolumeClaim": {"claimName": claim}})
                    subclaims.add(claim)
    spec["volumes"] = [v for v in spec["volumes"]
                       if any(m["name"] == v["name"] for c in spec.get("initContainers", []) + spec["containers"]
                              for m in c.get("volumeMounts", []))]
    for v in spec.get("volumes", []):
        pvc = v.get("persistentVolumeClaim")
        if pvc and pvc["claimName"] == "chatrec-data":
            del v["persistentVolumeClaim"]
            v["hostPath"] = {"path": data, "type": "Directory"}
        elif pvc:
            pvc["claimName"] = f"{prefix}-{pvc['claimName']}"

for d in docs:
    kind, name = d["kind"], d["metadata"]["name"]
    short = name.replace("chatrec-", "")
    if kind == "PersistentVolumeClaim":
        if name != "chatrec-data":
            d["metadata"]["name"] = f"{prefix}-{name}"
            claims.append(d)
    elif kind == "Job":
        spec = d["spec"]["template"]["spec"]
        spec["restartPolicy"] = "Never"
        fix_pod(spec, short)
        init.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{prefix}-{short}"}, "spec": spec})
    elif kind in ("Deployment", "StatefulSet"):
        spec = d["spec"]
        for t in spec.pop("volumeClaimTemplates", []):
            claim = f"{prefix}-{t['metadata']['name']}-{short}-0"
            claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                           "metadata": {"name": claim}, "spec": t["spec"]})
            spec["template"]["spec"].setdefault("volumes", []).append(
                {"name": t["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim}})
        for key in ("serviceName", "podManagementPolicy"):
            spec.pop(key, None)
        spec["replicas"] = 1
        pod = spec["template"]["spec"]
        fix_pod(pod, short)
        # Podman 4.3 removes finished init containers in a racy way ("failed to remove once init container
        # ...: it is running"): run each init container as a one-shot pod of its own, before the services.
        for ic in pod.pop("initContainers", []):
            preinit.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{prefix}-{short}-{ic['name']}"},
                            "spec": {"restartPolicy": "Never", "securityContext": pod.get("securityContext", {}),
                                     "volumes": pod["volumes"], "containers": [ic]}})
        services.append({"apiVersion": "apps/v1", "kind": "Deployment",
                         "metadata": {"name": f"{prefix}-{short}"}, "spec": spec})
for claim in sorted(subclaims):
    claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": f"{prefix}-{claim}"},
                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
(out / "kube-claims.yaml").write_text(yaml.safe_dump_all(claims))
(out / "kube-init.yaml").write_text(yaml.safe_dump_all(init))
(out / "kube-preinit.yaml").write_text(yaml.safe_dump_all(preinit))
# "<container name> " per one-shot pod (podman names a pod's container <pod>-<container>).
for f, pods in (("kube-init.ctrs", init), ("kube-preinit.ctrs", preinit)):
    (out / f).write_text("".join(f"{p['metadata']['name']}-{c['name']}\n" for p in pods for c in p["spec"]["containers"]))
(out / "kube-services.yaml").write_text(yaml.safe_dump_all(services))
EOF
KUBE_FILES=("$RUN_DIR/kube-services.yaml" "$RUN_DIR/kube-preinit.yaml" "$RUN_DIR/kube-init.yaml" "$RUN_DIR/kube-claims.yaml")
podman kube play --network "$KUBE_PREFIX" "$RUN_DIR/kube-claims.yaml" >"$RUN_DIR/kube-claims.log" 2>&1 || { cat "$RUN_DIR/kube-claims.log" >&2; fail "kube play: claims"; }
# One-shot pods: the init Job, then the services' init containers; each must exit 0.
for stage in init preinit; do
  podman kube play --network "$KUBE_PREFIX" "$RUN_DIR/kube-$stage.yaml" >"$RUN_DIR/kube-$stage.log" 2>&1 ||
    { cat "$RUN_DIR/kube-$stage.log" >&2; fail "kube play: $stage pods"; }
  while read -r ctr; do
    rc=$(podman wait "$ctr")
    [ "$rc" = 0 ] || { podman logs "$ctr" >&2; fail "kube play: $ctr exited $rc"; }
  done <"$RUN_DIR/kube-$stage.ctrs"
done
podman kube play --network "$KUBE_PREFIX" "$RUN_DIR/kube-services.yaml" >"$RUN_DIR/kube-services.log" 2>&1 || { cat "$RUN_DIR/kube-services.log" >&2; fail "kube play: services"; }
for s in feedback:50054:FeedbackService retrieval:50052:RetrievalService scoring:50053:ScoringService dialogue:50051:DialogueService; do
  IFS=: read -r name port svc <<<"$s"
  ctr=$(podman ps -a --format '{{.Names}}' | grep "^$KUBE_PREFIX-$name-pod-.*-$name\$" | head -1)
  [ -n "$ctr" ] || { podman ps -a >&2; fail "kube play: no $name container"; }
  ok=0
  for _ in $(seq 1 60); do
    if podman exec "$ctr" chatrec health --target "127.0.0.1:$port" --service "chatrec.v1.$svc" >/dev/null 2>&1; then
      ok=1
      break
    fi
    sleep 1
  done
  [ "$ok" = 1 ] || { podman logs "$ctr" >&2; fail "kube play: $name is not SERVING"; }
done
dialogue_ctr=$(podman ps --format '{{.Names}}' | grep "^$KUBE_PREFIX-dialogue-pod-.*-dialogue\$" | head -1)
echo "I'd like a western" | podman exec -i "$dialogue_ctr" chatrec chat --dialogue 127.0.0.1:50051 --user kube-test --json >"$RUN_DIR/kube-chat.json" ||
  fail "kube play: chat"
jq -e -s '.[0].path == "SERVING_PATH_FULL" and (.[0].items | length > 0)' "$RUN_DIR/kube-chat.json" >/dev/null ||
  { cat "$RUN_DIR/kube-chat.json" >&2; fail "kube play: the dialogue pod did not serve a full recommendation"; }
step "kube play: four pods SERVING, a full recommendation through the dialogue pod"
