import assert from "node:assert/strict";
import { parseComposeProject } from "./compose_project.ts";
import { parseJacoManifest } from "./jaco_manifest.ts";
import { manifestWarnings } from "./warnings.ts";

Deno.test("manifestWarnings() names every accepted-but-ignored field, in a stable order", () => {
  const compose = parseComposeProject(`services:
  web:
    build: .
    restart: always
    name: web-1
    cpus: 2
    deploy:
      mode: global
      placement: {constraints: [node.role==manager]}
      resources: {limits: {cpus: "1"}}
    volumes: ["./conf:/etc/conf", "data:/data"]
    gpus: all
  api:
    image: x
networks:
  edge: {driver: overlay, internal: true}
volumes:
  data: {driver: nfs}
`);
  const jaco = parseJacoManifest("deployment: d\nservices:\n  - {name: api, hosts: [n1]}\n");
  assert.deepEqual(manifestWarnings(jaco, compose), [
    'service "api": hosts is ignored unless placement is hosts',
    'service "web" has no image; its replicas stay pending until one is set (JACO never builds)',
    'service "web": build is ignored; JACO never builds images',
    'service "web": restart is ignored; the scheduler owns restarts',
    'service "web": name is ignored; containers are named jaco_<replica-id>',
    'service "web": deploy.mode is ignored; use placement: global in jaco.yaml for one replica per node',
    'service "web": deploy.placement is ignored; use placement/hosts in jaco.yaml',
    'service "web": cpus is ignored because deploy.resources is set',
    'service "web" requests GPUs; replicas fail at create on nodes without a GPU runtime',
    'service "web": bind mount ./conf is node-local; it must exist on every node the service may run on',
    'network "edge": driver, internal ignored; JACO manages jaco_<deployment>_edge itself',
    'volume "data": driver settings are dropped; volumes are plain local volumes on each node',
  ]);
});

Deno.test("manifestWarnings() is empty for a plain stack", () => {
  const compose = parseComposeProject("services:\n  web: {image: x, deploy: {replicas: 2}}\n");
  assert.deepEqual(manifestWarnings(parseJacoManifest("deployment: d\n"), compose), []);
  assert.deepEqual(manifestWarnings(), []);
});
