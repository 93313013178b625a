import assert from "node:assert/strict";
import { exemptionSteps, headMatches } from "./nft_exempt.ts";
import { dockerUserRule } from "./published_ports_nft.ts";

Deno.test("headMatches() accepts the published-ports connmark ACCEPT above the pool rules (no flip-flop between the two loops)", () => {
  const user = exemptionSteps("10.244.0.0/16")[2];
  const ports = `-A DOCKER-USER ${dockerUserRule.join(" ")}`;
  const ours = [
    "-A DOCKER-USER -s 10.244.0.0/16 -d 10.244.0.0/16 -j ACCEPT",
    "-A DOCKER-USER -s 10.99.0.0/24 -d 10.244.0.0/16 -j ACCEPT",
  ];
  const listing = (...lines: string[]) => ["-N DOCKER-USER", ...lines].join("\n");
  assert.equal(
    headMatches(listing(ports, ...ours, "-A DOCKER-USER -j RETURN"), "DOCKER-USER", user.rules),
    true,
  );
  assert.equal(headMatches(listing(ours[0], ports, ours[1]), "DOCKER-USER", user.rules), true);
  const docker = "-A DOCKER-USER -i eth0 -j DROP";
  assert.equal(headMatches(listing(docker, ...ours), "DOCKER-USER", user.rules), false);
  assert.equal(headMatches(listing(ports, ours[1], ours[0]), "DOCKER-USER", user.rules), false);
});
