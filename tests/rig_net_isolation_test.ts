/**
 * Issue 6, nftables isolation end to end on 3 rig hosts, each with its own dockerd and jacod
 * (networking.md §5): node-1 and node-2 are healthy; node-3's jacod runs with a broken `nft`
 * first on its PATH (a script that fails, as a missing or broken nftables would).
 *
 * - Ready gate: a joiner is `ready` only after its firewall loop's first clean self-test (the
 *   time from `node join` returning to `ready` is printed).
 * - node-3 joins as `joining` and becomes `isolation_unavailable` (never `ready`), the audit log
 *   records it, and it gets no replica of the two global deployments applied afterwards:
 *   neither a replica record nor a container.
 * - Deployments `alpha` and `beta` (services `web` = httpd serving its deployment's name, and
 *   `probe` = a client), both global on node-1 and node-2: each probe reaches its own `web` by
 *   IP and by name; a probe never reaches the other deployment's `web`, by IP (same host, the
 *   traffic Docker's own isolation would no longer stop because the §5.1 exemption accepts
 *   pool↔pool traffic in DOCKER-USER) or by name (`web` resolves to its own deployment,
 *   `web.beta` is out of scope). Across hosts (the WireGuard mesh) the same: alpha's probe on
 *   node-1 reaches alpha's web on node-2 and never beta's, both ways.
 * - Drift repair: the pool-drop rule deleted by hand (`nft delete rule inet jaco forward handle
 *   N`) is back within 30 s (the loop watches `nft monitor`, so in well under a second; the
 *   measured time is printed) and `jaco audit` records the
 *   `isolation_ruleset_reconciled` `{action: applied}` with the missing rule in its summary; while
 *   it is gone, alpha does reach beta (so the rule is what isolates). `nft flush table inet jaco`
 *   is repaired the same way.
 * - `jaco delete beta` removes beta's set and accept rule on every healthy host.
 * - Recovery: node-3 restarted without the broken nft becomes `ready` (audited `recovered`) and
 *   then runs alpha's replicas, with alpha's scope in its own table.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Rig, type RigHost, rigSupport } from "./rig/mod.ts";
import { RigJacod, startRigJacods } from "./_rig_jacod.ts";
import {
  applyStack,
  busyboxCompose,
  containerIp,
  containersOf,
  globalService,
  jacoYaml,
  SLEEP,
  stackRig,
} from "./_rig_stack.ts";

const support = rigSupport({ docker: true });
if (!support.ok) console.log(`rig net isolation tests skipped: ${support.reason}`);

const compose = (deployment: string) => {
  const web = `echo ${deployment} > /www/index.html && exec httpd -f -p 80 -h /www`;
  return busyboxCompose({ web: `command: ["sh", "-c", "${web}"]`, probe: SLEEP });
};

/** Applies `deployment` (its `web` and `probe` global) through `node`'s CLI. */
async function apply(node: RigJacod, deployment: string): Promise<void> {
  const jaco = jacoYaml(deployment, globalService("web"), globalService("probe"));
  await applyStack(node, jaco, compose(deployment));
}

interface Replica {
  service: string;
  state: string;
  host: string;
}

async function replicas(node: RigJacod, deployment: string): Promise<Replica[]> {
  const { stdout } = await node.jaco(
    ["get", "replicas", "--deployment", deployment, "-o", "json"],
    { check: true },
  );
  return JSON.parse(stdout);
}

/** The container id and IP of `deployment`'s `service` on `host`. */
async function container(
  host: RigHost,
  deployment: string,
  service: string,
): Promise<{ id: string; ip: string }> {
  const found = await containersOf(host, deployment, service);
  assert.equal(found.length, 1, `one ${deployment}/${service} container on ${host.name}`);
  const [{ id }] = found;
  return { id, ip: await containerIp(host, id, `jaco_${deployment}__default`) };
}

/** `wget` from `probe` (a container id) to `target`; the body, or undefined when it failed. */
async function fetchFrom(
  host: RigHost,
  probe: string,
  target: string,
): Promise<string | undefined> {
  const result = await host.docker([
    "exec",
    probe,
    "timeout",
    "3",
    "wget",
    "-q",
    "-O",
    "-",
    `http://${target}/`,
  ]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function nftJson(host: RigHost): Promise<Record<string, Record<string, unknown>>[]> {
  const { stdout } = await host.exec(["nft", "-j", "-a", "list", "table", "inet", "jaco"], {
    check: true,
  });
  return JSON.parse(stdout).nftables;
}

const isPoolDrop = (rule: Record<string, unknown>) =>
  JSON.stringify(rule.expr ?? []).includes("@jaco_pool") &&
  JSON.stringify(rule.expr ?? []).includes('"drop"');

async function poolDropHandle(host: RigHost): Promise<number | undefined> {
  const rule = (await nftJson(host)).find((entry) => entry.rule && isPoolDrop(entry.rule))?.rule;
  return rule?.handle as number | undefined;
}

async function setNames(host: RigHost): Promise<string[]> {
  return (await nftJson(host)).filter((entry) => entry.set).map((entry) => String(entry.set.name))
    .sort();
}

interface AuditObject {
  type: string;
  identity?: string;
  payload?: Record<string, string>;
}

async function audit(node: RigJacod, type: string): Promise<AuditObject[]> {
  const { stdout } = await node.jaco(["audit", "--type", type, "-o", "json"], { check: true });
  return JSON.parse(stdout);
}

/** Deletes a rule / flushes the table, then times the loop's repair (pool drop back). */
async function timeRepair(
  rig: Rig,
  host: RigHost,
  damage: string[],
  probe: () => Promise<string | undefined>,
): Promise<{ ms: number; leaked: string | undefined }> {
  await host.exec(damage, { check: true });
  const damagedAt = performance.now();
  assert.equal(await poolDropHandle(host), undefined, `${damage.join(" ")} took effect`);
  const leaked = await probe();
  const stillDamaged = await poolDropHandle(host) === undefined;
  await rig.waitFor(async () => await poolDropHandle(host) !== undefined, {
    what: `the pool drop back on ${host.name} after ${damage.join(" ")}`,
    timeoutMs: 45_000,
    intervalMs: 100,
  });
  const ms = performance.now() - damagedAt;
  // Only meaningful when the probe ran while the rule was gone (a tick may repair at once).
  return { ms, leaked: stillDamaged ? leaked : "repaired before the probe" };
}

Deno.test({
  name:
    "rig net isolation: deployments isolated by IP and name, drift repaired and audited, delete removes sets, a host with broken nft gets nothing until fixed and restarted",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await stackRig("netiso", 3);
    const [h1, h2, h3] = rig.hosts;
    const fakeBin = `${h3.dir}/fakebin`;
    await Deno.mkdir(fakeBin, { recursive: true });
    await Deno.writeTextFile(
      `${fakeBin}/nft`,
      "#!/bin/sh\necho 'nft: broken for this test' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    const [n1, n2] = await startRigJacods([h1, h2]);
    const n3 = await RigJacod.create(h3, {
      env: { PATH: `${fakeBin}:${Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` },
    });
    await n3.start();
    await n1.jaco(["cluster", "init", "--no-systemd-enable"], { check: true });
    await n2.join(n1);
    const joinedAt = performance.now();
    await rig.waitFor(async () => {
      const node = (await n1.status()).nodes.find((n) => n.hostname === "node-2");
      return node?.status === "ready";
    }, { what: "node-2 ready after its first self-test", timeoutMs: 30_000, intervalMs: 50 });
    console.log(
      `node-2 ready ${
        ((performance.now() - joinedAt) / 1000).toFixed(2)
      } s after its join returned`,
    );
    await n3.join(n1);

    const status = await rig.waitFor(async () => {
      const { nodes } = await n2.status();
      const byName = Object.fromEntries(nodes.map((node) => [node.hostname, node.status]));
      return byName["node-1"] === "ready" && byName["node-2"] === "ready" &&
          byName["node-3"] === "isolation_unavailable"
        ? nodes
        : undefined;
    }, { what: "node-1/2 ready, node-3 isolation_unavailable", timeoutMs: 60_000 });
    console.log(`node statuses: ${status.map((n) => `${n.hostname}=${n.status}`).join(" ")}`);
    const unavailable = await audit(n1, "isolation_unavailable");
    assert.deepEqual(unavailable.map((event) => event.payload), [{ hostname: "node-3" }]);

    await apply(n2, "alpha");
    await apply(n2, "beta");
    for (const deployment of ["alpha", "beta"]) {
      await rig.waitFor(async () => {
        const list = await replicas(n1, deployment);
        return list.length === 4 && list.every((r) => r.state === "running");
      }, { what: `${deployment}: web+probe running on node-1 and node-2`, timeoutMs: 120_000 });
      const hosts = new Set((await replicas(n1, deployment)).map((r) => r.host));
      assert.deepEqual([...hosts].sort(), ["node-1", "node-2"], `${deployment} placement`);
    }
    const onH3 = await h3.docker(["ps", "-aq", "--filter", "label=jaco.deployment"], {
      check: true,
    });
    assert.equal(onH3.stdout.trim(), "", "no container on the isolation_unavailable host");

    // Same host: each probe reaches its own web by IP and name, never the other deployment's.
    for (const host of [h1, h2]) {
      const alphaProbe = await container(host, "alpha", "probe");
      const betaProbe = await container(host, "beta", "probe");
      const alphaWeb = await container(host, "alpha", "web");
      const betaWeb = await container(host, "beta", "web");
      assert.equal(await fetchFrom(host, alphaProbe.id, alphaWeb.ip), "alpha", host.name);
      assert.equal(await fetchFrom(host, betaProbe.id, betaWeb.ip), "beta", host.name);
      assert.equal(await fetchFrom(host, alphaProbe.id, "web"), "alpha", `${host.name} by name`);
      assert.equal(await fetchFrom(host, betaProbe.id, "web"), "beta", `${host.name} by name`);
      assert.equal(await fetchFrom(host, alphaProbe.id, betaWeb.ip), undefined, host.name);
      assert.equal(await fetchFrom(host, betaProbe.id, alphaWeb.ip), undefined, host.name);
      assert.equal(await fetchFrom(host, alphaProbe.id, "web.beta"), undefined, host.name);
      assert.equal(await fetchFrom(host, betaProbe.id, "web.alpha"), undefined, host.name);
    }

    // Across hosts (WireGuard mesh, routed by address sets whatever the ingress interface):
    // each probe reaches its own deployment's web on the other host, never the other's.
    for (const [from, to] of [[h1, h2], [h2, h1]]) {
      const alphaProbe = await container(from, "alpha", "probe");
      const betaProbe = await container(from, "beta", "probe");
      const alphaWeb = await container(to, "alpha", "web");
      const betaWeb = await container(to, "beta", "web");
      const startedAt = performance.now();
      await rig.waitFor(async () => await fetchFrom(from, alphaProbe.id, alphaWeb.ip) === "alpha", {
        what: `alpha on ${from.name} reaching alpha's web on ${to.name} over the mesh`,
        timeoutMs: 45_000,
        intervalMs: 250,
      });
      console.log(
        `${from.name}→${to.name} alpha→alpha reachable after ${
          ((performance.now() - startedAt) / 1000).toFixed(1)
        } s of waiting`,
      );
      assert.equal(
        await fetchFrom(from, betaProbe.id, betaWeb.ip),
        "beta",
        `${from.name}→${to.name}`,
      );
      assert.equal(
        await fetchFrom(from, alphaProbe.id, betaWeb.ip),
        undefined,
        `${from.name}→${to.name}`,
      );
      assert.equal(
        await fetchFrom(from, betaProbe.id, alphaWeb.ip),
        undefined,
        `${from.name}→${to.name}`,
      );
    }

    // Drift: the pool drop deleted by hand, then the whole table flushed.
    const alphaProbe = await container(h1, "alpha", "probe");
    const betaWeb = await container(h1, "beta", "web");
    const leak = () => fetchFrom(h1, alphaProbe.id, betaWeb.ip);
    const handle = await poolDropHandle(h1);
    assert.ok(handle !== undefined, "the pool drop is installed on node-1");
    const deleted = await timeRepair(rig, h1, [
      "nft",
      "delete",
      "rule",
      "inet",
      "jaco",
      "forward",
      "handle",
      String(handle),
    ], leak);
    console.log(
      `deleted pool-drop rule repaired in ${(deleted.ms / 1000).toFixed(1)} s ` +
        `(alpha→beta while it was gone: ${deleted.leaked ?? "blocked"})`,
    );
    assert.ok(deleted.ms <= 31_000, `repaired within 30 s (${deleted.ms} ms)`);
    if (deleted.leaked !== "repaired before the probe") {
      assert.equal(deleted.leaked, "beta", "without the drop rule alpha reaches beta");
    }
    assert.equal(await leak(), undefined, "blocked again after the repair");
    const flushed = await timeRepair(rig, h1, ["nft", "flush", "table", "inet", "jaco"], leak);
    console.log(`flushed table repaired in ${(flushed.ms / 1000).toFixed(1)} s`);
    assert.ok(flushed.ms <= 31_000, `repaired within 30 s (${flushed.ms} ms)`);
    assert.equal(await leak(), undefined, "blocked again after the flush repair");

    const applied = (await audit(n2, "isolation_ruleset_reconciled"))
      .filter((event) => event.payload?.action === "applied");
    const summaries = applied.map((event) => event.payload?.summary ?? "");
    assert.ok(
      summaries.some((s) =>
        s.includes("missing:rule:forward:ip saddr @jaco_pool ip daddr @jaco_pool drop")
      ),
      `the deleted rule is in an audited summary:\n${summaries.join("\n")}`,
    );
    assert.ok(applied.every((event) => event.identity === "system"));

    // Delete beta: its set and rule leave every healthy host.
    await n2.jaco(["delete", "beta"], { check: true });
    for (const host of [h1, h2]) {
      await rig.waitFor(async () => {
        const sets = await setNames(host);
        return !sets.includes("dep_net_beta__default") && sets.includes("dep_net_alpha__default");
      }, { what: `beta's set gone from ${host.name}`, timeoutMs: 30_000 });
      const rules = JSON.stringify(await nftJson(host));
      assert.ok(!rules.includes("dep_net_beta"), `no beta rule left on ${host.name}`);
    }
    const n3Status = (await n1.status()).nodes.find((node) => node.hostname === "node-3");
    assert.equal(n3Status?.status, "isolation_unavailable");

    // Operator recovery (networking.md §5.3): nft fixed, daemon restarted → ready, audited
    // `recovered`, and the global deployment arrives on node-3 with its scope in node-3's table.
    await n3.stop();
    const fixed = await RigJacod.create(h3);
    await fixed.start();
    await rig.waitFor(async () => {
      const node = (await n1.status()).nodes.find((n) => n.hostname === "node-3");
      return node?.status === "ready";
    }, { what: "node-3 ready after the restart with a working nft", timeoutMs: 60_000 });
    const recovered = (await audit(n1, "isolation_ruleset_reconciled"))
      .filter((event) => event.payload?.action === "recovered");
    assert.equal(recovered.length, 1, "one recovered audit");
    await rig.waitFor(async () => {
      const list = await replicas(n1, "alpha");
      return list.length === 6 && list.every((r) => r.state === "running");
    }, { what: "alpha's web+probe running on node-3 too", timeoutMs: 120_000 });
    assert.ok((await setNames(h3)).includes("dep_net_alpha__default"));
    const probe3 = await container(h3, "alpha", "probe");
    const web3 = await container(h3, "alpha", "web");
    assert.equal(await fetchFrom(h3, probe3.id, web3.ip), "alpha", "node-3 alpha reaches itself");
  },
});
