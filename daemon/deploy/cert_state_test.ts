import assert from "node:assert/strict";
import { Route } from "../../proto/mod.ts";
import { createClusterCa } from "../pki.ts";
import { certStates } from "./cert_state.ts";
import { deployKit } from "./_kit_test.ts";

const encoder = new TextEncoder();

Deno.test("certStates() reads the expiry of a tls_auto domain's leaf and prefers prod", async () => {
  const issued = new Date("2026-03-01T12:00:00Z");
  const { certPem } = await createClusterCa({ now: issued });
  const kit = deployKit();
  for (
    const key of [
      "certificates/staging/shop.example/shop.example.crt",
      "certificates/prod/shop.example/shop.example.crt",
    ]
  ) {
    kit.apply({
      $case: "certBlobUpsert",
      value: { blob: { key, value: encoder.encode(certPem), updatedAt: issued } },
    });
  }
  const routes = [
    Route.fromPartial({ domain: "shop.example", tlsAuto: true }),
    Route.fromPartial({ domain: "plain.example", tlsAuto: false }),
  ];
  const [state, ...rest] = certStates(kit.state.view(), routes);
  assert.equal(rest.length, 0);
  assert.equal(state.domain, "shop.example");
  assert.equal(state.environment, "prod");
  assert.ok(state.notAfter instanceof Date);
  // The CA is valid for ten years from `now`.
  assert.equal(state.notAfter.getUTCFullYear(), 2036);
});

Deno.test("certStates() treats a leaf that is not a certificate as absent", () => {
  const kit = deployKit();
  kit.apply({
    $case: "certBlobUpsert",
    value: {
      blob: {
        key: "certificates/prod/a.example/a.example.crt",
        value: encoder.encode("junk"),
        updatedAt: new Date(),
      },
    },
  });
  const states = certStates(kit.state.view(), [
    Route.fromPartial({ domain: "a.example", tlsAuto: true }),
  ]);
  assert.equal(states.length, 1);
  assert.equal(states[0].notAfter, undefined);
});
