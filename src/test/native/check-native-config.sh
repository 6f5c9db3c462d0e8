#!/usr/bin/env bash
# Reads the native configuration Quarkus generated in target/native-sources (./mvnw package -Dnative
# -Dquarkus.native.sources-only=true) and checks what this machine cannot check by linking an executable:
# every type listed in dev.tally.platform.NativeReflection is registered for reflection, and every Flyway
# migration is among the resources the executable embeds.
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

source = pathlib.Path("src/main/java/dev/tally/platform/NativeReflection.java").read_text()
imports = dict((m.group(2), m.group(1) + m.group(2)) for m in re.finditer(r"^import ([\w.]+\.)(\w+);", source, re.M))
targets = re.search(r"targets\s*=\s*\{(.*?)\}", source, re.S).group(1)
wanted = [imports.get(name, "dev.tally.platform." + name) for name in re.findall(r"(\w+)\.class", targets)]

problems = [f"{name} is not registered for reflection" for name in wanted if name not in reflect]
# Classes that register themselves (the resources, whose @QueryParam names platform.QueryParameterFilter reads).
for java in sorted(pathlib.Path("src/main/java").rglob("*.java")):
    text = java.read_text()
    # A class annotated itself, not one that registers others (targets = ...).
    if re.search(r"^@RegisterForReflection(?!\(targets)", text, re.M):
        name = ".".join(java.relative_to("src/main/java").with_suffix("").parts)
        wanted.append(name)
        if name not in reflect:
            problems.append(f"{name} registers itself but is not registered for reflection")
for migration in sorted(pathlib.Path("src/main/resources").glob("db/migration/*.sql")):
    path = migration.relative_to("src/main/resources").as_posix()
    if not any(re.fullmatch(p, path) for p in patterns):
        problems.append(f"{path} is not embedded as a resource")
if not wanted:
    problems.append("NativeReflection lists no targets")
for problem in problems:
    print("FAIL:", problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"  ok: {len(wanted)} types registered for reflection (API types and self-registered classes); "
      f"{len(list(pathlib.Path('src/main/resources').glob('db/migration/*.sql')))} migrations embedded")
PY
