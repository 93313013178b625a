/**
 * The `Deploy.Apply` diff (cli.md `jaco apply`, rpc.md §1.2): what the new revision adds,
 * changes and removes relative to the applied one — services, HTTP routes, TCP routes and the
 * deployment's ACME e-mail. Entries are human lines the CLI prints after `+`, `~`, `-`.
 *
 * Decisions where the spec is silent (the reference always answered an empty diff):
 * - Entry forms: `service <name>`, `route <domain><path>` (catch-all shown as `/`),
 *   `tcp <published-port>`, `acme_email`; an update appends `: <what changed>`, e.g.
 *   `service web: replicas 2 → 3, compose spec`.
 * - A service's compose subtree is compared by spec hash (manifests.md §1.9: a change recreates
 *   its replicas); a stored compose document that no longer parses counts as changed.
 * - A deployment that does not exist yet diffs against an empty revision: everything is an add.
 * - Each list is sorted so the output is stable.
 *
 * @module
 */
import { type ComposeProject, parseComposeProject, specHash } from "../../compose/mod.ts";
import {
  type Diff,
  type Route,
  type ServiceSpec,
  serviceSpec_PlacementModeToJSON,
  type TCPRoute,
} from "../../proto/mod.ts";

/** The part of a revision the diff compares. */
export interface DiffSide {
  /** Effective services. */
  services: readonly ServiceSpec[];
  /** HTTP routes. */
  routes: readonly Route[];
  /** TCP routes. */
  tcpRoutes: readonly TCPRoute[];
  /** ACME e-mail. */
  acmeEmail: string;
  /** Resolved compose bytes (service spec hashes). */
  composeYaml: Uint8Array;
}

/**
 * The diff from `before` (undefined for a new deployment) to `after`; `afterCompose` is the
 * already parsed compose of `after`.
 *
 * @example
 * ```ts
 * revisionDiff(current, { ...content }, compose); // { adds: ["service api"], updates: [], removes: [] }
 * ```
 */
export function revisionDiff(
  before: DiffSide | undefined,
  after: DiffSide,
  afterCompose: ComposeProject,
): Diff {
  const diff: Diff = { adds: [], updates: [], removes: [] };
  const beforeCompose = before ? parseOrUndefined(before.composeYaml) : undefined;
  keyedDiff(diff, before?.services ?? [], after.services, {
    key: (spec) => spec.name,
    label: (spec) => `service ${spec.name}`,
    changes: (old, now) => {
      const changes = serviceChanges(old, now);
      const oldHash = beforeCompose && hashOf(beforeCompose, old.name);
      if (oldHash === undefined || oldHash !== hashOf(afterCompose, now.name)) {
        changes.push("compose spec");
      }
      return changes;
    },
  });
  keyedDiff(diff, before?.routes ?? [], after.routes, {
    key: (route) => `${route.domain}\u0000${route.path}`,
    label: (route) => `route ${route.domain}${route.path || "/"}`,
    changes: (old, now) => {
      const changes: string[] = [];
      if (old.service !== now.service) changes.push(`service ${old.service} → ${now.service}`);
      if (old.port !== now.port) changes.push(`port ${old.port} → ${now.port}`);
      if (old.tlsAuto !== now.tlsAuto) changes.push(`tls ${tls(old)} → ${tls(now)}`);
      if (old.stripPath !== now.stripPath) {
        changes.push(`strip_path ${old.stripPath} → ${now.stripPath}`);
      }
      return changes;
    },
  });
  keyedDiff(diff, before?.tcpRoutes ?? [], after.tcpRoutes, {
    key: (route) => String(route.publishedPort),
    label: (route) => `tcp ${route.publishedPort}`,
    changes: (old, now) => {
      const from = `${old.service}:${old.containerPort}`;
      const to = `${now.service}:${now.containerPort}`;
      return from === to ? [] : [`${from} → ${to}`];
    },
  });
  if (before && before.acmeEmail !== after.acmeEmail) {
    diff.updates.push(
      `acme_email: ${before.acmeEmail || "(none)"} → ${after.acmeEmail || "(none)"}`,
    );
  }
  diff.adds.sort();
  diff.updates.sort();
  diff.removes.sort();
  return diff;
}

/** True when the diff lists nothing. */
export function isEmptyDiff(diff: Diff): boolean {
  return diff.adds.length + diff.updates.length + diff.removes.length === 0;
}

interface KeyedRules<T> {
  key: (value: T) => string;
  label: (value: T) => string;
  changes: (old: T, now: T) => string[];
}

function keyedDiff<T>(
  diff: Diff,
  before: readonly T[],
  after: readonly T[],
  rules: KeyedRules<T>,
): void {
  const old = new Map(before.map((value) => [rules.key(value), value]));
  const now = new Map(after.map((value) => [rules.key(value), value]));
  for (const [key, value] of now) {
    const previous = old.get(key);
    if (!previous) {
      diff.adds.push(rules.label(value));
      continue;
    }
    const changes = rules.changes(previous, value);
    if (changes.length > 0) diff.updates.push(`${rules.label(value)}: ${changes.join(", ")}`);
  }
  for (const [key, value] of old) if (!now.has(key)) diff.removes.push(rules.label(value));
}

function serviceChanges(old: ServiceSpec, now: ServiceSpec): string[] {
  const changes: string[] = [];
  if (old.replicas !== now.replicas) changes.push(`replicas ${old.replicas} → ${now.replicas}`);
  if (old.placement !== now.placement) {
    changes.push(`placement ${placement(old)} → ${placement(now)}`);
  }
  if (old.hosts.join(",") !== now.hosts.join(",")) {
    changes.push(`hosts [${old.hosts.join(", ")}] → [${now.hosts.join(", ")}]`);
  }
  if (old.networks.join(",") !== now.networks.join(",")) {
    changes.push(`networks [${old.networks.join(", ")}] → [${now.networks.join(", ")}]`);
  }
  return changes;
}

function placement(spec: ServiceSpec): string {
  return serviceSpec_PlacementModeToJSON(spec.placement).replace(/^PLACEMENT_MODE_/, "")
    .toLowerCase();
}

function tls(route: Route): string {
  return route.tlsAuto ? "auto" : "off";
}

function parseOrUndefined(bytes: Uint8Array): ComposeProject | undefined {
  try {
    return parseComposeProject(new TextDecoder().decode(bytes), { envFileResolved: true });
  } catch {
    return undefined;
  }
}

function hashOf(compose: ComposeProject, service: string): string | undefined {
  return compose.services.has(service) ? specHash(compose, service) : undefined;
}
