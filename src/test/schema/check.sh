#!/usr/bin/env bash
# Schema checks of everything a cluster would be handed, as kubeconform would do them (kubeconform and helm are not
# installable from the registries this project reaches; kubernetes-models is, from npm, pinned in package-lock.json).
# Run by .ci/run after ./mvnw verify, whose ChartTest wrote the chart's renders to target/chart-test/. Validates:
#   - `kubectl kustomize` of the base, of the Prometheus operator overlay and of the base with the ingress component
#     (without kubectl: the manifest files);
#   - the Helm chart rendered with its defaults, with the ServiceMonitor and Ingress on, and with every switch changed
#     (ChartTest's renders);
#   - and, so the check is known to fail, a Deployment whose env value is a boolean must be refused.
# Types, required fields, enums and formats are checked; unknown fields are not (unlike kubeconform -strict).
set -euo pipefail
cd "$(dirname "$0")/../../.."

DIR=src/test/schema
OUT=target/schema
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"

(cd "$DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 \
  || { cat "$OUT/npm-ci.log" >&2; fail "npm ci failed"; }

if command -v kubectl >/dev/null; then
  kubectl kustomize docker/kubernetes >"$OUT/kustomize-base.yaml"
  kubectl kustomize docker/overlays/prometheus-operator >"$OUT/kustomize-prometheus-operator.yaml"
  mkdir -p "$OUT/ingress"
  printf '%s\n' 'apiVersion: kustomize.config.k8s.io/v1beta1' 'kind: Kustomization' \
    'resources: ["../../../docker/kubernetes"]' 'components: ["../../../docker/kubernetes/components/ingress"]' \
    >"$OUT/ingress/kustomization.yaml"
  kubectl kustomize "$OUT/ingress" >"$OUT/kustomize-ingress.yaml"
  manifests=("$OUT"/kustomize-*.yaml)
else
  # Without kubectl (ChartTest then renders only its changed-values case): the manifest files themselves.
  echo "  note: kubectl is not installed: validating the manifest files instead of kustomize's output"
  manifests=($(ls docker/kubernetes/*.yaml docker/kubernetes/components/*/*.yaml | grep -v kustomization.yaml))
  cat docker/kubernetes/deployment.yaml >"$OUT/kustomize-base.yaml"
fi

renders=(target/chart-test/rendered-*.yaml)
[ -f "${renders[0]}" ] || fail "no chart renders in target/chart-test: run ./mvnw -B verify (ChartTest) first"

node "$DIR/validate.mjs" "${manifests[@]}" "${renders[@]}"

# The check must be able to fail: a boolean where Kubernetes wants a string.
sed 's/value: "false"/value: false/' "$OUT/kustomize-base.yaml" >"$OUT/broken.yaml"
grep -q 'value: false$' "$OUT/broken.yaml" || fail "could not break the base for the negative check"
if node "$DIR/validate.mjs" "$OUT/broken.yaml" >"$OUT/broken.log" 2>&1; then
  fail "a Deployment with a boolean env value was accepted"
fi
grep -q 'must be string' "$OUT/broken.log" || fail "the broken Deployment failed for another reason: $(cat "$OUT/broken.log")"
echo "  ok: a boolean env value is refused: $(grep -o 'data/[^ ]* must be string' "$OUT/broken.log" | head -1)"
echo "SCHEMA CHECK PASSED"
