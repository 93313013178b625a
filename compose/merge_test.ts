import assert from "node:assert/strict";
import { parseComposeProject } from "./compose_project.ts";
import { parseJacoManifest } from "./jaco_manifest.ts";
import { effectiveServices } from "./merge.ts";

const compose = parseComposeProject(`services:
  web:
    image: x
    deploy: {replicas: 3}
    networks: [edge, default, back]
  api:
    image: x
    deploy: {replicas: 2}
  db:
    image: x
  agent:
    image: x
networks:
  edge: {}
  back: {}
`);

Deno.test("effectiveServices() yields one spec per compose service, sorted, with defaults", () => {
  const specs = effectiveServices(parseJacoManifest("deployment: d\n"), compose);
  assert.deepEqual(specs, [
    { name: "agent", replicas: 1, placement: "spread", hosts: [], networks: [] },
    { name: "api", replicas: 2, placement: "spread", hosts: [], networks: [] },
    { name: "db", replicas: 1, placement: "spread", hosts: [], networks: [] },
    {
      name: "web",
      replicas: 3,
      placement: "spread",
      hosts: [],
      networks: ["_default", "back", "edge"],
    },
  ]);
});

Deno.test("effectiveServices() lets jaco.yaml win: replicas 0, placement, hosts, networks replace", () => {
  const jaco = parseJacoManifest(`deployment: d
services:
  - name: web
    replicas: 0
    networks: [edge]
  - name: db
    placement: hosts
    hosts: [n2, n1]
  - name: agent
    placement: global
  - name: api
    networks: []
`);
  const byName = new Map(effectiveServices(jaco, compose).map((s) => [s.name, s]));
  assert.equal(byName.get("web")!.replicas, 0);
  assert.deepEqual(byName.get("web")!.networks, ["edge"]);
  assert.deepEqual(byName.get("db")!.hosts, ["n2", "n1"]);
  assert.equal(byName.get("db")!.placement, "hosts");
  assert.equal(byName.get("agent")!.placement, "global");
  // An empty jaco list does not replace the compose networks (here: none).
  assert.deepEqual(byName.get("api")!.networks, []);
  assert.equal(byName.get("api")!.replicas, 2);
});
