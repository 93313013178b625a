/**
 * Conformance corpus: every third-party compose file under
 * `../shared/conformance/compose-fixtures` (read in place, never copied)
 * must load without crashing — accepted, or rejected with a `JacoError`
 * whose details name the offending field or service. `jaco.yaml` fixtures go
 * through `parseJacoManifest`. Prints one tally line per corpus.
 */
import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import {
  manifestWarnings,
  parseComposeProject,
  parseJacoManifest,
  serviceMounts,
  specHash,
  tcpRoutesOf,
  validateManifests,
} from "../compose/mod.ts";

const corpus = new URL("../../shared/conformance/compose-fixtures/", import.meta.url);

async function listFiles(dir: URL): Promise<URL[]> {
  const files: URL[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) files.push(...await listFiles(url));
      else files.push(url);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return files.sort((a, b) => a.href.localeCompare(b.href));
}

const files = await listFiles(corpus);
const isYaml = (url: URL) => /\.ya?ml$/.test(url.pathname);
const isJacoYaml = (url: URL) => /(?:^|[_.])jaco\.yaml$/.test(url.pathname.split("/").pop()!);

type Outcome = { file: string; code: string | "accepted"; details?: Record<string, string> };

function run(url: URL, load: (text: string) => unknown): Outcome {
  const file = decodeURIComponent(url.pathname.slice(corpus.pathname.length));
  const text = Deno.readTextFileSync(url);
  try {
    load(text);
    return { file, code: "accepted" };
  } catch (error) {
    if (!isJacoError(error)) {
      throw new Error(`${file}: non-JacoError thrown`, { cause: error });
    }
    return { file, code: error.code, details: error.details };
  }
}

function tally(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.code, (counts.get(o.code) ?? 0) + 1);
  const accepted = counts.get("accepted") ?? 0;
  counts.delete("accepted");
  const rejected = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([c, n]) => `${c}=${n}`);
  return `accepted=${accepted} rejected=${outcomes.length - accepted} (${rejected.join(" ")})`;
}

Deno.test({
  name:
    "conformance corpus: every compose fixture is accepted or rejected naming its field/service",
  ignore: files.length === 0,
  fn() {
    // Accepted files also go through everything the daemon derives from a project.
    const loadFully = (text: string) => {
      const project = parseComposeProject(text);
      tcpRoutesOf("conformance", project);
      manifestWarnings(undefined, project);
      for (const name of project.serviceNames) {
        specHash(project, name);
        serviceMounts("conformance", project, name);
      }
    };
    const outcomes = files.filter((f) => isYaml(f) && !isJacoYaml(f)).map((f) => run(f, loadFully));
    assert.ok(outcomes.length > 200, `expected the full corpus, found ${outcomes.length} files`);
    for (const o of outcomes) {
      if (o.code === "accepted") continue;
      const named = Boolean(o.details?.field || o.details?.service);
      assert.ok(named, `${o.file}: ${o.code} without details.field/service: ${JSON.stringify(o)}`);
    }
    console.log(`compose corpus: ${outcomes.length} files, ${tally(outcomes)}`);
  },
});

Deno.test({
  name: "conformance corpus: jaco.yaml fixtures decode through parseJacoManifest",
  ignore: files.length === 0,
  fn() {
    const outcomes = files.filter(isJacoYaml).map((f) => run(f, parseJacoManifest));
    assert.ok(outcomes.length > 0);
    // The reference's own samples are valid overlays; each must be accepted.
    for (const o of outcomes) assert.equal(o.code, "accepted", JSON.stringify(o));
    console.log(`jaco.yaml corpus: ${outcomes.length} files, ${tally(outcomes)}`);
  },
});

Deno.test({
  name: "conformance corpus: the reference's own jaco.yaml + compose pairs validate together",
  ignore: files.length === 0,
  fn() {
    const byHref = new Set(files.map((f) => f.href));
    let pairs = 0;
    for (const jacoFile of files.filter(isJacoYaml)) {
      const prefix = jacoFile.href.slice(0, -"jaco.yaml".length);
      const partner = ["compose.yml", "compose.yaml", "docker-compose.yml"]
        .map((name) => prefix + name).find((href) => byHref.has(href));
      if (!partner) continue;
      const report = validateManifests({
        jaco: Deno.readTextFileSync(jacoFile),
        compose: Deno.readTextFileSync(new URL(partner)),
      });
      assert.ok(report.crossChecked && report.services.length > 0, partner);
      pairs++;
    }
    assert.ok(pairs >= 3, `found ${pairs} pairs`);
  },
});
