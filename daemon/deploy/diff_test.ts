import assert from "node:assert/strict";
import { revisionDiff } from "./diff.ts";
import { prepareRevision } from "./revision_content.ts";
import { bytes } from "./_kit_test.ts";

function side(jaco: string, compose: string) {
  return prepareRevision(bytes(jaco), bytes(compose), "");
}

const compose = `services:
  web:
    image: nginx:1
    ports: ["8080:80"]
  db:
    image: postgres:16
`;

Deno.test("revisionDiff() lists removes and updates of services, routes, TCP routes and acme_email", () => {
  const before = side(
    "deployment: d\nacme_email: a@x.test\nroutes:\n  - domain: a.test\n    service: web\n    port: 80\n  - domain: b.test\n    path: /x\n    service: web\n    port: 80\n",
    compose,
  );
  const after = side(
    "deployment: d\nacme_email: b@x.test\nroutes:\n  - domain: a.test\n    service: web\n    port: 81\n    tls: off\n",
    compose.replace("8080:80", "8080:81").replace(/ {2}db:\n.*\n/, ""),
  );
  assert.deepEqual(revisionDiff(before.content, after.content, after.compose), {
    adds: [],
    updates: [
      "acme_email: a@x.test → b@x.test",
      "route a.test/: port 80 → 81, tls auto → off",
      "service web: compose spec",
      "tcp 8080: web:80 → web:81",
    ],
    removes: ["route b.test/x", "service db"],
  });
});

Deno.test("revisionDiff() of a new deployment adds everything; unchanged content diffs empty", () => {
  const now = side("deployment: d\n", compose);
  assert.deepEqual(revisionDiff(undefined, now.content, now.compose).adds, [
    "service db",
    "service web",
    "tcp 8080",
  ]);
  const reformatted = side(
    "deployment: d\n",
    compose.replace("image: nginx:1", "image: 'nginx:1'"),
  );
  assert.deepEqual(revisionDiff(now.content, reformatted.content, reformatted.compose), {
    adds: [],
    updates: [],
    removes: [],
  });
});
