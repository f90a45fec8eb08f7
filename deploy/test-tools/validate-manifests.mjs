// Validates Kubernetes manifests against the Kubernetes API schema, twice:
//  1. each object against the JSON schema of its apiVersion and kind (kubernetes-models: the
//     Kubernetes OpenAPI definitions compiled for ajv): types, required fields, enums, formats;
//  2. each object as a typed literal of the same models' TypeScript interfaces, checked by tsc:
//     a field the API does not have (a typo such as "readinesProbe") is an error there, which
//     the JSON schemas alone let through (they allow additional properties).
// Usage: node validate-manifests.mjs FILE.yaml...   Exit 0 when every document of every file
// is valid, 1 otherwise (every problem printed as FILE: kind/name: path: message).
// Run by server/src/test/java/io/ballast/server/deploy/KubernetesManifestsTest.java.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate-manifests.mjs FILE.yaml...");
  process.exit(2);
}

const problems = [];
const typed = [];

/** "apps/v1" -> "apps/v1", "v1" (the core group) -> "v1": the module path in kubernetes-models. */
function modulePath(apiVersion) {
  return `kubernetes-models/${apiVersion}`;
}

for (const file of files) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push(`${file}: YAML: ${e.message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const where = `${file}: ${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
      problems.push(`${where}: apiVersion and kind are required`);
      continue;
    }
    let model;
    try {
      model = (await import(modulePath(obj.apiVersion)))[obj.kind];
    } catch (e) {
      model = undefined;
    }
    if (typeof model !== "function") {
      problems.push(`${where}: unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new model(obj).validate();
    } catch (e) {
      for (const line of String(e.message).split(", ")) problems.push(`${where}: schema: ${line}`);
    }
    typed.push({ where, obj });
  }
}

// The typed check: one TypeScript file, one constant per object, type-checked with no output.
if (typed.length > 0) {
  const dir = mkdtempSync(join(tmpdir(), "ballast-k8s-"));
  try {
    const lines = [];
    typed.forEach(({ obj }, i) => {
      lines.push(`import type { I${obj.kind} as T${i} } from "${modulePath(obj.apiVersion)}";`);
    });
    typed.forEach(({ obj }, i) => {
      lines.push(`// @object ${i}`);
      lines.push(`export const o${i}: T${i} = ${JSON.stringify(obj, null, 2)};`);
    });
    const source = join(dir, "manifests.ts");
    writeFileSync(source, lines.join("\n") + "\n");
    const program = ts.createProgram([source], {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      typeRoots: [],
      types: [],
      baseUrl: here,
      paths: { "kubernetes-models/*": [join(here, "node_modules/kubernetes-models/*")] },
    });
    const text = readFileSync(source, "utf8").split("\n");
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n").pop().trim();
      if (d.file && d.start !== undefined) {
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        // The object this line belongs to: the last "// @object i" marker above it.
        let i = -1;
        for (let l = line; l >= 0; l--) {
          const m = /^\/\/ @object (\d+)$/.exec(text[l]);
          if (m) {
            i = Number(m[1]);
            break;
          }
        }
        const where = i >= 0 ? typed[i].where : source;
        problems.push(`${where}: type: ${text[line].trim()}: ${message}`);
      } else {
        problems.push(`typescript: ${message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const p of problems) console.log(p);
console.log(`${typed.length} object(s) in ${files.length} file(s): ${problems.length === 0 ? "valid" : `${problems.length} problem(s)`}`);
process.exit(problems.length === 0 ? 0 : 1);
