#!/usr/bin/env bash
# Reads the native configuration Quarkus generated in target/native-sources (./mvnw package -Dnative
# -Dquarkus.native.sources-only=true) and checks what this machine cannot check by linking an executable:
# every class that registers itself with @RegisterForReflection (the API types Jackson reads or writes behind
# Response or ObjectMapper, the resources whose @QueryParam names platform.QueryParameterFilter reads) — or, when
# its annotation names targets, each of those — is registered for reflection, and every Flyway migration is among
# the resources the executable embeds.
set -euo pipefail
cd "$(dirname "$0")/../../.."

runner_jar="$(ls target/native-sources/*-runner.jar 2>/dev/null | head -1)"
[ -n "$runner_jar" ] || { echo "FAIL: no target/native-sources/*-runner.jar: run the sources-only native build first" >&2; exit 1; }
grep -q -- '--no-fallback' target/native-sources/native-image.args \
  || { echo "FAIL: native-image.args lacks --no-fallback" >&2; exit 1; }

python3 - "$runner_jar" <<'PY'
import json, pathlib, re, sys, zipfile

jar = zipfile.ZipFile(sys.argv[1])
reflect = {entry["name"] for entry in json.loads(jar.read("META-INF/native-image/reflect-config.json"))}
resources = json.loads(jar.read("META-INF/native-image/resource-config.json"))
# Java regexes; Quarkus writes literal names as \Q...\E, which Python's re does not know.
patterns = [re.sub(r"\\Q(.*?)\\E", lambda m: re.escape(m.group(1)), include["pattern"])
            for include in resources["resources"]["includes"]]

problems = []
wanted = []
# Each type registers itself in its own package: @RegisterForReflection at the start of a line, on the class itself,
# or with targets = {...} (a feature naming the normalize values it serializes: normalize stays free of Quarkus).
for java in sorted(pathlib.Path("src/main/java").rglob("*.java")):
    text = java.read_text()
    annotation = re.search(r"^@RegisterForReflection\b(\([^)]*\))?", text, re.M)
    if not annotation:
        continue
    name = ".".join(java.relative_to("src/main/java").with_suffix("").parts)
    package = name.rsplit(".", 1)[0]
    targets = re.search(r"targets\s*=\s*\{(.*?)\}", annotation.group(1) or "", re.S)
    if targets:
        imports = dict((m.group(2), m.group(1) + m.group(2))
                       for m in re.finditer(r"^import ([\w.]+\.)(\w+);", text, re.M))
        registered = [imports.get(simple, package + "." + simple) for simple in re.findall(r"(\w+)\.class", targets.group(1))]
    else:
        registered = [name]
    for target in registered:
        wanted.append(target)
        if target not in reflect:
            problems.append(f"{target} (from {name}) is not registered for reflection")
for migration in sorted(pathlib.Path("src/main/resources").glob("db/migration/*.sql")):
    path = migration.relative_to("src/main/resources").as_posix()
    if not any(re.fullmatch(p, path) for p in patterns):
        problems.append(f"{path} is not embedded as a resource")
if not wanted:
    problems.append("no class in src/main/java carries @RegisterForReflection at the start of a line")
for problem in problems:
    print("FAIL:", problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"  ok: {len(set(wanted))} self-registered types registered for reflection; "
      f"{len(list(pathlib.Path('src/main/resources').glob('db/migration/*.sql')))} migrations embedded")
PY
