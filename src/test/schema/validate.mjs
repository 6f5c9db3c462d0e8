// Validates every object of the given multi-document YAML files against its Kubernetes (or Prometheus operator)
// schema: kubernetes-models' validators, generated from the Kubernetes OpenAPI document (types, required fields,
// enums, formats; unknown fields are not reported, unlike kubeconform -strict). Prints one line per file; exits 1 on
// the first invalid object or on a kind it has no schema for.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

async function model(apiVersion, kind) {
  const modules = {
    "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
  };
  const module = modules[apiVersion] ?? `kubernetes-models/${apiVersion}`;
  try {
    const loaded = await import(`${module}/${kind}`);
    return loaded[kind];
  } catch (e) {
    return undefined;
  }
}

export async function validate(document) {
  const Model = await model(document.apiVersion, document.kind);
  if (!Model) {
    throw new Error(`no schema for ${document.apiVersion} ${document.kind}`);
  }
  new Model(document).validate();
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const kinds = [];
  for (const parsed of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (parsed.errors.length) {
      console.error(`FAIL: ${file}: ${parsed.errors[0].message}`);
      process.exit(1);
    }
    const document = parsed.toJS();
    if (document == null) continue;
    try {
      await validate(document);
    } catch (e) {
      console.error(`FAIL: ${file}: ${document.kind}/${document.metadata?.name}: ${e.message}`);
      failed = true;
    }
    kinds.push(`${document.kind}/${document.metadata?.name}`);
  }
  if (kinds.length === 0) {
    console.error(`FAIL: ${file} holds no object`);
    failed = true;
  }
  console.log(`  ${failed ? "FAIL" : "ok"}: ${file}: ${kinds.length} objects valid (${kinds.join(", ")})`);
}
process.exit(failed ? 1 : 0);
