/**
 * The isolation ruleset (networking.md §5.2) as pure data: render `table inet jaco` from the
 * replicated subnets, normalize what `nft -j list table inet jaco` reports, and diff the two.
 *
 * Decisions where the spec is silent (or where we fix a reference gap):
 * - Drift covers the whole table, not only chain shape and set names: every chain's
 *   type/hook/priority/policy, every rule of every chain in order, every set's element list and
 *   any extra chain, set or rule. A hand-deleted rule, an `nft flush table inet jaco`, an edited
 *   element or an added rule is drift and gets repaired.
 * - Rules are compared as canonical text rebuilt from nft's JSON expressions
 *   ({@link ruleText}); an expression this module does not know is kept as its JSON, so it can
 *   never compare equal to a rule we render.
 * - Subnet records with an empty CIDR are skipped; the network is canonicalized (`default` →
 *   `_default`) before naming, so one scope never yields two sets.
 * - Drift items are `missing:<kind>:<name>` / `extra:<kind>:<name>`, plus
 *   `changed:chain:<name>` when a chain's hook, priority, policy or rule order differs; sorted.
 *
 * @module
 */
import { canonicalNetwork } from "./ipam.ts";
import { createHash } from "node:crypto";

/** The table name (family `inet`). */
export const nftTable = "jaco";
/** The pool-wide set. */
export const poolSetName = "jaco_pool";
const baseChains = ["forward", "input", "output"] as const;

/** A subnet as the ruleset needs it. */
export interface RulesetSubnet {
  deployment: string;
  network: string;
  cidr: string;
}

/** A normalized table: what is expected, or what nft reports. */
export interface NftModel {
  /** Chains by name. */
  chains: Map<string, NftChain>;
  /** Sets by name: sorted elements as `a.b.c.d/len`, `a-b` ranges or single addresses. */
  sets: Map<string, string[]>;
}

/** One chain: its base-chain shape (empty strings when it is a regular chain) and rules. */
export interface NftChain {
  hook: string;
  prio: number | undefined;
  policy: string;
  rules: string[];
}

/**
 * The set name of a (deployment, network) scope: `dep_net_<S(dep)>_<S(net)>`, cut to 16 chars +
 * `_` + 8 hex of SHA-1(`<dep>/<net>`) when longer than 63 chars.
 */
export function setNameOf(deployment: string, network: string): string {
  const net = canonicalNetwork(network);
  const sanitize = (text: string) => text.replace(/[^A-Za-z0-9_]/g, "_");
  const full = `dep_net_${sanitize(deployment)}_${sanitize(net)}`;
  if (full.length <= 63) return full;
  const hash = createHash("sha1").update(`${deployment}/${net}`).digest("hex");
  return `${full.slice(0, 16)}_${hash.slice(0, 8)}`;
}

/** The expected model: one set per scope (sorted CIDRs), `jaco_pool` iff any subnet, 3 chains. */
export function expectedModel(subnets: readonly RulesetSubnet[]): NftModel {
  const scopes = new Map<string, Set<string>>();
  const pool = new Set<string>();
  const ordered = subnets
    .filter((subnet) => subnet.cidr !== "")
    .map((subnet) => ({ ...subnet, network: canonicalNetwork(subnet.network) }))
    .sort((a, b) =>
      compare(a.deployment, b.deployment) || compare(a.network, b.network) ||
      compare(a.cidr, b.cidr)
    );
  for (const subnet of ordered) {
    const name = setNameOf(subnet.deployment, subnet.network);
    const cidrs = scopes.get(name) ?? new Set<string>();
    cidrs.add(subnet.cidr);
    scopes.set(name, cidrs);
    pool.add(subnet.cidr);
  }
  const sets = new Map<string, string[]>();
  for (const [name, cidrs] of scopes) sets.set(name, sortCidrs([...cidrs]));
  if (pool.size > 0) sets.set(poolSetName, sortCidrs([...pool]));
  const forward = ["ct state established,related accept"];
  for (const name of scopes.keys()) forward.push(`ip saddr @${name} ip daddr @${name} accept`);
  if (pool.size > 0) forward.push(`ip saddr @${poolSetName} ip daddr @${poolSetName} drop`);
  const chains = new Map<string, NftChain>();
  for (const hook of baseChains) {
    chains.set(hook, { hook, prio: 0, policy: "accept", rules: hook === "forward" ? forward : [] });
  }
  return { chains, sets };
}

/**
 * Renders the `nft -f` text: `add table` + `delete table` first, so one transaction replaces
 * the whole table atomically (§5.2).
 */
export function renderRuleset(subnets: readonly RulesetSubnet[]): string {
  const model = expectedModel(subnets);
  const lines = [`add table inet ${nftTable}`, `delete table inet ${nftTable}`];
  lines.push(`table inet ${nftTable} {`);
  for (const [name, elements] of model.sets) {
    lines.push(`    set ${name} {`, "        type ipv4_addr", "        flags interval");
    lines.push(`        elements = { ${elements.join(", ")} }`, "    }");
  }
  for (const [name, chain] of model.chains) {
    lines.push(`    chain ${name} {`);
    lines.push(`        type filter hook ${chain.hook} priority 0; policy ${chain.policy};`);
    for (const rule of chain.rules) lines.push(`        ${rule}`);
    lines.push("    }");
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** Normalizes the JSON document of `nft -j list table inet jaco` (`{"nftables": [...]}`). */
export function parseListing(document: unknown): NftModel {
  const items = (document as { nftables?: unknown[] })?.nftables;
  if (!Array.isArray(items)) throw new Error("nft listing has no nftables array");
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, string[]>();
  for (const item of items as Record<string, Record<string, unknown>>[]) {
    if (item.chain) {
      const c = item.chain;
      chains.set(String(c.name), {
        hook: typeof c.hook === "string" ? c.hook : "",
        prio: typeof c.prio === "number" ? c.prio : undefined,
        policy: typeof c.policy === "string" ? c.policy : "",
        rules: chains.get(String(c.name))?.rules ?? [],
      });
    } else if (item.set) {
      const elements = Array.isArray(item.set.elem) ? item.set.elem.map(elementText) : [];
      sets.set(String(item.set.name), sortCidrs(elements));
    } else if (item.rule) {
      const name = String(item.rule.chain);
      const chain = chains.get(name) ?? { hook: "", prio: undefined, policy: "", rules: [] };
      chain.rules.push(ruleText(item.rule.expr));
      chains.set(name, chain);
    }
  }
  return { chains, sets };
}

/**
 * The nft JSON listing of `model` as `nft -j list table inet jaco` prints it (the expressions we
 * render only); the in-memory backend serves it.
 */
export function listingOf(model: NftModel): { nftables: unknown[] } {
  const items: unknown[] = [{ table: { family: "inet", name: nftTable } }];
  for (const [name, elements] of model.sets) {
    const elem = elements.map((cidr) => {
      const [addr, len] = cidr.split("/");
      return len === undefined ? addr : { prefix: { addr, len: Number(len) } };
    });
    items.push({
      set: { family: "inet", name, table: nftTable, type: "ipv4_addr", flags: ["interval"], elem },
    });
  }
  for (const [name, chain] of model.chains) {
    items.push({
      chain: {
        family: "inet",
        table: nftTable,
        name,
        type: "filter",
        hook: chain.hook,
        prio: chain.prio,
        policy: chain.policy,
      },
    });
  }
  for (const [name, chain] of model.chains) {
    for (const rule of chain.rules) {
      items.push({ rule: { family: "inet", table: nftTable, chain: name, expr: ruleExpr(rule) } });
    }
  }
  return { nftables: items };
}

/** Parses the text {@link renderRuleset} writes back into its model (the in-memory backend). */
export function parseRendered(text: string): NftModel {
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, string[]>();
  let set: string | undefined;
  let chain: NftChain | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    let match;
    if ((match = /^set (\S+) \{$/.exec(line))) {
      set = match[1];
      sets.set(set, []);
    } else if ((match = /^elements = \{ (.*) \}$/.exec(line)) && set) {
      sets.set(set, match[1].split(",").map((e) => e.trim()));
    } else if ((match = /^chain (\S+) \{$/.exec(line))) {
      chain = { hook: "", prio: undefined, policy: "", rules: [] };
      chains.set(match[1], chain);
    } else if ((match = /^type filter hook (\S+) priority (-?\d+); policy (\S+);$/.exec(line))) {
      if (chain) Object.assign(chain, { hook: match[1], prio: Number(match[2]), policy: match[3] });
    } else if (line === "}") {
      set = undefined;
      chain = undefined;
    } else if (chain && line !== "") chain.rules.push(line);
  }
  return { chains, sets };
}

/** Canonical text of a rule's `expr` array (nft's own syntax for the expressions we render). */
export function ruleText(expr: unknown): string {
  if (!Array.isArray(expr)) return JSON.stringify(expr);
  return expr.map(exprText).join(" ");
}

/** Sorted drift items between `expected` and `live`; empty when they agree. */
export function diffModels(expected: NftModel, live: NftModel): string[] {
  const items: string[] = [];
  for (const [name, want] of expected.chains) {
    const have = live.chains.get(name);
    if (!have) {
      items.push(`missing:chain:${name}`);
      continue;
    }
    if (have.hook !== want.hook || have.prio !== want.prio || have.policy !== want.policy) {
      items.push(`changed:chain:${name}`);
    }
    const missing = multisetMinus(want.rules, have.rules);
    const extra = multisetMinus(have.rules, want.rules);
    for (const rule of missing) items.push(`missing:rule:${name}:${rule}`);
    for (const rule of extra) items.push(`extra:rule:${name}:${rule}`);
    if (
      missing.length === 0 && extra.length === 0 && have.rules.join("\n") !== want.rules.join("\n")
    ) {
      items.push(`changed:chain:${name}`);
    }
  }
  for (const name of live.chains.keys()) {
    if (!expected.chains.has(name)) items.push(`extra:chain:${name}`);
  }
  for (const [name, want] of expected.sets) {
    const have = live.sets.get(name);
    if (!have) {
      items.push(`missing:set:${name}`);
      continue;
    }
    for (const element of want) {
      if (!have.includes(element)) items.push(`missing:element:${name}:${element}`);
    }
    for (const element of have) {
      if (!want.includes(element)) items.push(`extra:element:${name}:${element}`);
    }
  }
  for (const name of live.sets.keys()) {
    if (!expected.sets.has(name)) items.push(`extra:set:${name}`);
  }
  return [...new Set(items)].sort();
}

function ruleExpr(rule: string): unknown[] {
  const ct = /^ct state (\S+) (accept|drop)$/.exec(rule);
  if (ct) {
    return [
      { match: { op: "in", left: { ct: { key: "state" } }, right: ct[1].split(",") } },
      { [ct[2]]: null },
    ];
  }
  const sets = /^ip saddr (\S+) ip daddr (\S+) (accept|drop)$/.exec(rule);
  if (sets) {
    const match = (field: string, right: string) => ({
      match: { op: "==", left: { payload: { protocol: "ip", field } }, right },
    });
    return [match("saddr", sets[1]), match("daddr", sets[2]), { [sets[3]]: null }];
  }
  return [{ unknown: rule }];
}

function exprText(expr: unknown): string {
  if (typeof expr !== "object" || expr === null) return JSON.stringify(expr);
  const entries = Object.entries(expr as Record<string, unknown>);
  if (entries.length !== 1) return JSON.stringify(expr);
  const [key, value] = entries[0];
  if (["accept", "drop", "return", "continue"].includes(key) && value === null) return key;
  if (key === "counter") return "counter";
  if (key === "match") {
    const m = value as { op?: string; left?: unknown; right?: unknown };
    const op = m.op === "==" || m.op === "in" ? "" : `${m.op} `;
    return `${valueText(m.left)} ${op}${valueText(m.right)}`;
  }
  if ((key === "jump" || key === "goto") && typeof value === "object" && value !== null) {
    return `${key} ${(value as { target?: string }).target}`;
  }
  return JSON.stringify(expr);
}

function valueText(value: unknown): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(valueText).join(",");
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const v = value as Record<string, Record<string, unknown>>;
  if (v.payload) return `${v.payload.protocol} ${v.payload.field}`;
  if (v.ct) return `ct ${v.ct.key}`;
  if (v.meta) return `meta ${v.meta.key}`;
  if (v.prefix) return `${v.prefix.addr}/${v.prefix.len}`;
  if (v.set) return `{ ${valueText(v.set)} }`;
  return JSON.stringify(value);
}

function elementText(element: unknown): string {
  if (typeof element === "string") return element;
  const e = element as Record<string, unknown>;
  const inner = (e?.elem as Record<string, unknown> | undefined)?.val ?? element;
  const v = inner as Record<string, unknown>;
  if (v?.prefix) {
    const prefix = v.prefix as { addr: string; len: number };
    return `${prefix.addr}/${prefix.len}`;
  }
  if (Array.isArray(v?.range)) return (v.range as string[]).join("-");
  return typeof inner === "string" ? inner : JSON.stringify(inner);
}

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  const out: string[] = [];
  for (const item of a) {
    const at = left.indexOf(item);
    if (at >= 0) left.splice(at, 1);
    else out.push(item);
  }
  return out;
}

function sortCidrs(cidrs: string[]): string[] {
  const key = (cidr: string) => cidr.split(/[./-]/).map((part) => part.padStart(3, "0")).join(".");
  return cidrs.sort((a, b) => compare(key(a), key(b)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
