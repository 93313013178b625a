/**
 * The isolation gate between this node's firewall loop and its runtime: a container is started
 * on a /24 only once this host's verified `table inet jaco` covers that /24 (in its scope set and
 * in `jaco_pool`).
 *
 * Why (gap beyond the spec): the Docker-chain exemption accepts all pool↔pool traffic in
 * `DOCKER-USER`, so Docker's own inter-network isolation no longer applies inside the pool; a
 * container started on a fresh /24 before the firewall's next tick would be reachable from, and
 * could reach, every other deployment until that tick. Every packet to or from a container
 * crosses the forward hook of the container's own host, so gating on the local ruleset is
 * enough; remote hosts add the /24 on their own ticks.
 *
 * Decisions:
 * - One gate per node name in the process (the firewall loop publishes, the runtime's step 4
 *   waits), so the two member loops need no shared wiring beyond the node name.
 * - The firewall publishes the CIDRs of the model it just verified (a clean self-test, with or
 *   without an apply); a failed apply or self-test publishes nothing new and clears the gate.
 * - A wait gives up after 10 s with a transient `isolation_unavailable` error (the runtime
 *   retries on its next reconcile; existing containers are never touched).
 *
 * @module
 */
import { JacoError } from "../../proto/errors.ts";

/** The covered CIDRs of one node, with waiters. */
export class IsolationGate {
  #covered = new Set<string>();
  #waiters = new Set<() => void>();

  /** Replaces the covered CIDRs (the firewall loop, after a clean self-test or a failure). */
  publish(cidrs: Iterable<string>): void {
    this.#covered = new Set(cidrs);
    for (const wake of [...this.#waiters]) wake();
  }

  /** True when `cidr` is in the last verified ruleset. */
  covers(cidr: string): boolean {
    return this.#covered.has(cidr);
  }

  /**
   * Resolves once `cidr` is covered.
   *
   * @throws {JacoError} `isolation_unavailable` when it is not within `timeoutMs`
   */
  wait(cidr: string, timeoutMs = 10_000): Promise<void> {
    if (this.covers(cidr)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
      };
      const wake = () => {
        if (!this.covers(cidr)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new JacoError(
            "isolation_unavailable",
            `subnet ${cidr} is not yet in this host's isolation ruleset`,
            { cidr },
          ),
        );
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }
}

const gates = new Map<string, IsolationGate>();

/** The gate of node `nodeName` in this process. */
export function isolationGate(nodeName: string): IsolationGate {
  let gate = gates.get(nodeName);
  if (!gate) {
    gate = new IsolationGate();
    gates.set(nodeName, gate);
  }
  return gate;
}
