import assert from "node:assert/strict";
import {
  diffModels,
  expectedModel,
  listingOf,
  parseListing,
  parseRendered,
  renderRuleset,
  ruleText,
  setNameOf,
} from "./nft_ruleset.ts";
import { exemptionSteps, headMatches } from "./nft_exempt.ts";

const subnets = [
  { deployment: "b", network: "default", cidr: "10.244.2.0/24", host: "n1" },
  { deployment: "a", network: "_default", cidr: "10.244.1.0/24", host: "n2" },
  { deployment: "a", network: "_default", cidr: "10.244.0.0/24", host: "n1" },
];

/** `nft -j list table inet jaco` of nftables 1.0.6 after loading renderRuleset(subnets). */
const live = JSON.parse(
  await Deno.readTextFile(new URL("./nft_ruleset_test.json", import.meta.url)),
);

Deno.test("setNameOf() sanitizes, canonicalizes default and hashes names over 63 chars", () => {
  assert.equal(setNameOf("web-1", "default"), "dep_net_web_1__default");
  assert.equal(setNameOf("a.b", "front end"), "dep_net_a_b_front_end");
  const long = setNameOf("d".repeat(40), "n".repeat(30));
  assert.match(long, /^dep_net_dddddddd_[0-9a-f]{8}$/);
  assert.notEqual(long, setNameOf("d".repeat(40), "n".repeat(31)));
});

Deno.test("renderRuleset() is the §5.2 template: add+delete, sorted sets, pool drop last", () => {
  const text = renderRuleset(subnets);
  assert.equal(
    text,
    [
      "add table inet jaco",
      "delete table inet jaco",
      "table inet jaco {",
      "    set dep_net_a__default {",
      "        type ipv4_addr",
      "        flags interval",
      "        elements = { 10.244.0.0/24, 10.244.1.0/24 }",
      "    }",
      "    set dep_net_b__default {",
      "        type ipv4_addr",
      "        flags interval",
      "        elements = { 10.244.2.0/24 }",
      "    }",
      "    set jaco_pool {",
      "        type ipv4_addr",
      "        flags interval",
      "        elements = { 10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24 }",
      "    }",
      "    chain forward {",
      "        type filter hook forward priority 0; policy accept;",
      "        ct state established,related accept",
      "        ip saddr @dep_net_a__default ip daddr @dep_net_a__default accept",
      "        ip saddr @dep_net_b__default ip daddr @dep_net_b__default accept",
      "        ip saddr @jaco_pool ip daddr @jaco_pool drop",
      "    }",
      "    chain input {",
      "        type filter hook input priority 0; policy accept;",
      "    }",
      "    chain output {",
      "        type filter hook output priority 0; policy accept;",
      "    }",
      "}",
      "",
    ].join("\n"),
  );
  assert.equal(renderRuleset([...subnets].reverse()), text, "input order does not matter");
});

Deno.test("renderRuleset() without subnets has no sets and no drop rule", () => {
  const text = renderRuleset([]);
  assert.doesNotMatch(text, /set |drop/);
  assert.ok(
    text.includes(
      "chain forward {\n        type filter hook forward priority 0; policy accept;\n" +
        "        ct state established,related accept\n    }",
    ),
  );
});

Deno.test("diffModels() finds no drift between the rendering and nft's real listing of it", () => {
  assert.deepEqual(diffModels(expectedModel(subnets), parseListing(live)), []);
  assert.equal(diffModels(expectedModel(subnets.slice(1)), parseListing(live)).length > 0, true);
});

Deno.test("parseListing() of listingOf() and parseRendered() of renderRuleset() round-trip", () => {
  const model = expectedModel(subnets);
  assert.deepEqual(parseListing(listingOf(model)), model);
  assert.deepEqual(parseRendered(renderRuleset(subnets)), model);
});

Deno.test("diffModels() on an empty table reports every chain and set missing", () => {
  assert.deepEqual(diffModels(expectedModel(subnets), parseListing({ nftables: [] })), [
    "missing:chain:forward",
    "missing:chain:input",
    "missing:chain:output",
    "missing:set:dep_net_a__default",
    "missing:set:dep_net_b__default",
    "missing:set:jaco_pool",
  ]);
});

Deno.test("diffModels() detects a deleted rule, a flushed chain, an added rule and reordering", () => {
  const expected = expectedModel(subnets);
  const edit = (change: (doc: { nftables: Record<string, unknown>[] }) => void) => {
    const doc = listingOf(expected) as { nftables: Record<string, unknown>[] };
    change(doc);
    return diffModels(expected, parseListing(doc));
  };
  const rules = (doc: { nftables: Record<string, unknown>[] }) =>
    doc.nftables.filter((item) => item.rule);
  assert.deepEqual(
    edit((doc) => doc.nftables.splice(doc.nftables.indexOf(rules(doc).at(-1)!), 1)),
    ["missing:rule:forward:ip saddr @jaco_pool ip daddr @jaco_pool drop"],
  );
  assert.equal(
    edit((doc) => (doc.nftables = doc.nftables.filter((item) => !item.rule))).length,
    4,
  );
  assert.deepEqual(
    edit((doc) => {
      const [first, second] = rules(doc);
      const a = doc.nftables.indexOf(first);
      const b = doc.nftables.indexOf(second);
      [doc.nftables[a], doc.nftables[b]] = [second, first];
    }),
    ["changed:chain:forward"],
  );
  assert.deepEqual(
    edit((doc) =>
      doc.nftables.push({
        rule: {
          chain: "input",
          expr: [{ match: { op: "==", left: { meta: { key: "l4proto" } }, right: "tcp" } }, {
            drop: null,
          }],
        },
      })
    ),
    ["extra:rule:input:meta l4proto tcp drop"],
  );
});

Deno.test("diffModels() detects a changed policy, wrong set elements, extra sets and chains", () => {
  const expected = expectedModel(subnets);
  const doc = listingOf(expected) as { nftables: Record<string, Record<string, unknown>>[] };
  for (const item of doc.nftables) {
    if (item.chain?.name === "input") item.chain.policy = "drop";
    if (item.set?.name === "dep_net_b__default") {
      item.set.elem = [{ prefix: { addr: "10.244.9.0", len: 24 } }];
    }
  }
  doc.nftables.push({ set: { name: "stray", elem: [] } });
  doc.nftables.push({
    chain: { name: "sneaky", hook: "prerouting", prio: -100, policy: "accept" },
  });
  assert.deepEqual(diffModels(expected, parseListing(doc)), [
    "changed:chain:input",
    "extra:chain:sneaky",
    "extra:element:dep_net_b__default:10.244.9.0/24",
    "extra:set:stray",
    "missing:element:dep_net_b__default:10.244.2.0/24",
  ]);
});

Deno.test("ruleText() keeps unknown expressions as JSON so they never equal a rendered rule", () => {
  assert.equal(ruleText([{ accept: null }]), "accept");
  assert.equal(
    ruleText([{ xt: { type: "match" } }, { accept: null }]),
    '{"xt":{"type":"match"}} accept',
  );
  assert.equal(
    ruleText([{
      match: {
        op: "!=",
        left: { payload: { protocol: "ip", field: "saddr" } },
        right: { prefix: { addr: "10.0.0.0", len: 8 } },
      },
    }, { jump: { target: "x" } }]),
    "ip saddr != 10.0.0.0/8 jump x",
  );
});

Deno.test("exemptionSteps() and headMatches() want the pool rules on top, in order", () => {
  const [snat, raw, user] = exemptionSteps("10.244.0.0/16");
  assert.deepEqual([snat.table, snat.chain, raw.table, user.chain], [
    "nat",
    "POSTROUTING",
    "raw",
    "DOCKER-USER",
  ]);
  const top = [
    "-N DOCKER-USER",
    "-A DOCKER-USER -s 10.244.0.0/16 -d 10.244.0.0/16 -j ACCEPT",
    "-A DOCKER-USER -s 10.99.0.0/24 -d 10.244.0.0/16 -j ACCEPT",
    "-A DOCKER-USER -j RETURN",
  ].join("\n");
  assert.equal(headMatches(top, "DOCKER-USER", user.rules), true);
  const buried = ["-N DOCKER-USER", "-A DOCKER-USER -j RETURN", ...top.split("\n").slice(1, 3)]
    .join("\n");
  assert.equal(headMatches(buried, "DOCKER-USER", user.rules), false);
  assert.equal(headMatches("-P POSTROUTING ACCEPT", "POSTROUTING", snat.rules), false);
});
