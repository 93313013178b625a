import assert from "node:assert/strict";
import { AuditEventType, ClusterInit, Command } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import {
  addRegistryCredential,
  listRegistryCredentials,
  type RegistryDeps,
  removeRegistryCredential,
} from "./credentials.ts";

function kit(): RegistryDeps & { state: ClusterState; writes: number } {
  const state = new ClusterState();
  let index = 0;
  const apply = (payload: Command["payload"], identity: string) => {
    const ts = new Date(Date.parse("2026-06-01T12:00:00Z") + index * 1000);
    state.apply(
      Command.encode(Command.fromPartial({ clusterId: "c", ts, identity, payload })).finish(),
      ++index,
    );
    return index;
  };
  apply({
    $case: "clusterInit",
    value: ClusterInit.fromPartial({ clusterId: "c", selfHostname: "n1" }),
  }, "bootstrap");
  const deps = {
    state,
    writes: 0,
    view: () => state.view(),
    now: () => new Date(0),
    submit(payload: Command["payload"], identity: string) {
      deps.writes++;
      return Promise.resolve({ raftIndex: apply(payload, identity) });
    },
  };
  return deps;
}

Deno.test("addRegistryCredential() stores under the canonical key; list never carries the secret", async () => {
  const deps = kit();
  const added = await addRegistryCredential(
    {
      registry: "https://Registry-1.Docker.io/library/",
      username: "bob",
      secret: new TextEncoder().encode("s3cret"),
    },
    "alice",
    deps,
  );
  assert.equal(added.registry, "docker.io/library");
  assert.equal(added.updatedAt?.toISOString(), "2026-06-01T12:00:01.000Z");
  const stored = deps.state.view().registryCredential("docker.io/library")!;
  assert.equal(new TextDecoder().decode(stored.secret), "s3cret");
  const listed = listRegistryCredentials(deps);
  assert.deepEqual(JSON.parse(JSON.stringify(listed.credentials)), [
    { registry: "docker.io/library", username: "bob", updatedAt: "2026-06-01T12:00:01.000Z" },
  ]);
  assert.ok(!JSON.stringify(listed).includes("s3cret"));
  const audit = deps.state.view().auditEvents().at(-1)!;
  assert.equal(audit.type, AuditEventType.AUDIT_EVENT_TYPE_REGISTRY_CREDENTIAL_UPSERT);
  assert.equal(audit.identity, "alice");
  assert.ok(!JSON.stringify(audit.payload).includes("s3cret"));
});

Deno.test("addRegistryCredential() refuses empty registry, username or secret without writing", async () => {
  const deps = kit();
  const secret = new TextEncoder().encode("x");
  for (
    const [request, message] of [
      [{ registry: " ", username: "u", secret }, /^registry is required$/],
      [{ registry: "https://", username: "u", secret }, /has no host/],
      [{ registry: "ghcr.io", username: "", secret }, /^username is required$/],
      [{ registry: "ghcr.io", username: "u", secret: new Uint8Array() }, /^secret is required$/],
    ] as const
  ) {
    await assert.rejects(
      addRegistryCredential(request, "local", deps),
      (e: { code?: string; message?: string }) =>
        e.code === "validation_failed" && message.test(e.message!),
    );
  }
  assert.equal(deps.writes, 0);
});

Deno.test("removeRegistryCredential() deletes the canonical key and is idempotent", async () => {
  const deps = kit();
  await addRegistryCredential(
    { registry: "ghcr.io/org", username: "u", secret: new Uint8Array([1]) },
    "local",
    deps,
  );
  await removeRegistryCredential({ registry: "GHCR.io/org/" }, "local", deps);
  assert.deepEqual(deps.state.view().registryCredentials(), []);
  await removeRegistryCredential({ registry: "ghcr.io/org" }, "local", deps);
  assert.equal(deps.writes, 3);
});
