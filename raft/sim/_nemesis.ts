/**
 * The fault injector of a simulated run: on a seeded schedule it partitions the
 * cluster (random halves, an isolated leader), transfers leadership, heals it, crashes and restarts
 * nodes (the leader included), turns message drop / duplication / delay /
 * reordering on and off, and, when enabled, changes the membership (adds
 * fresh voters, removes voters, the leader included, while more than three
 * remain, and adds removed ones back).
 *
 * Every action is appended to `log` so a failing seed's report says what the
 * cluster went through.
 *
 * @module
 */

import type { NodeId } from "../types.ts";
import type { KvCluster } from "./_kv_cluster.ts";

/** What the nemesis may do and when. */
export interface NemesisOptions {
  cluster: KvCluster;
  random: () => number;
  /**
   * Node ids the nemesis may add as voters, in order (empty: no membership
   * changes); removed voters join the end of it.
   */
  spareNodes: NodeId[];
  /** Virtual ms between actions: drawn from [min, max). */
  intervalMs: [number, number];
  log: string[];
}

type Action = () => string | undefined;

/** Injects faults until {@link Nemesis.stop}; {@link Nemesis.healAll} undoes them all. */
export class Nemesis {
  #options: NemesisOptions;
  #crashed = new Set<NodeId>();
  #stopped = false;
  #actions: [weight: number, action: Action][];

  constructor(options: NemesisOptions) {
    this.#options = options;
    this.#actions = [
      [3, () => this.#partitionHalves()],
      [2, () => this.#isolateLeader()],
      [1, () => this.#transferLeadership()],
      [3, () => this.#heal()],
      [2, () => this.#crash(false)],
      [2, () => this.#crash(true)],
      [2, () => this.#messageFaults()],
      [2, () => this.#clearMessageFaults()],
      [options.spareNodes.length > 0 ? 3 : 0, () => this.#addNode()],
      [options.spareNodes.length > 0 ? 2 : 0, () => this.#removeVoter()],
    ];
  }

  /** Schedules the first action after one interval. */
  start(): void {
    this.#scheduleNext();
  }

  /** Takes no further action (faults in place stay until {@link healAll}). */
  stop(): void {
    this.#stopped = true;
  }

  /** Heals partitions, clears message faults and restarts every crashed node. */
  healAll(): void {
    const { cluster } = this.#options;
    cluster.raw.heal();
    this.#clearMessageFaults();
    for (const id of [...this.#crashed].sort()) this.#restart(id);
    this.#record("heal all");
  }

  #scheduleNext(): void {
    const { cluster, random, intervalMs: [min, max] } = this.#options;
    cluster.schedule(cluster.now + min + Math.floor(random() * (max - min)), () => {
      if (this.#stopped) return;
      this.#act();
      this.#scheduleNext();
    });
  }

  #act(): void {
    const total = this.#actions.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.#options.random() * total;
    for (const [weight, action] of this.#actions) {
      roll -= weight;
      if (roll >= 0) continue;
      const done = action();
      if (done) this.#record(done);
      return;
    }
  }

  #record(what: string): void {
    this.#options.log.push(`${this.#options.cluster.now}ms ${what}`);
  }

  #shuffled(ids: readonly NodeId[]): NodeId[] {
    const out = [...ids];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.#options.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  #partitionHalves(): string {
    const ids = this.#shuffled(this.#options.cluster.members());
    const cut = 1 + Math.floor(this.#options.random() * (ids.length - 1));
    const groups = [ids.slice(0, cut), ids.slice(cut)];
    this.#options.cluster.raw.partition(groups);
    return `partition ${JSON.stringify(groups)}`;
  }

  #isolateLeader(): string | undefined {
    const { cluster } = this.#options;
    const leader = cluster.raw.leader();
    if (leader === undefined) return undefined;
    const groups = [[leader], cluster.members().filter((id) => id !== leader)];
    cluster.raw.partition(groups);
    return `isolate leader ${leader}`;
  }

  #transferLeadership(): string | undefined {
    const { cluster, random } = this.#options;
    const leader = cluster.raw.leader();
    const targets = cluster.voters().filter((id) => id !== leader && cluster.raw.isUp(id));
    if (leader === undefined || targets.length === 0) return undefined;
    const target = targets[Math.floor(random() * targets.length)];
    cluster.raw.node(leader).transferLeadership(target);
    return `transfer leadership ${leader} → ${target}`;
  }

  #heal(): string {
    this.#options.cluster.raw.heal();
    return "heal";
  }

  #crash(leaderOnly: boolean): string | undefined {
    const { cluster, random } = this.#options;
    const up = cluster.members().filter((id) => !this.#crashed.has(id));
    const leader = cluster.raw.leader();
    const victim = leaderOnly ? leader : up[Math.floor(random() * up.length)];
    if (victim === undefined || this.#crashed.has(victim)) return undefined;
    cluster.raw.crash(victim);
    this.#crashed.add(victim);
    const downMs = 100 + Math.floor(random() * 2000);
    cluster.schedule(cluster.now + downMs, () => {
      if (this.#crashed.has(victim)) this.#restart(victim);
    });
    return `crash ${victim}${victim === leader ? " (leader)" : ""} for ${downMs}ms`;
  }

  #restart(id: NodeId): void {
    this.#crashed.delete(id);
    this.#options.cluster.raw.restart(id);
    this.#record(`restart ${id}`);
  }

  #messageFaults(): string {
    const { cluster, random } = this.#options;
    const faults = {
      dropRate: Math.round(random() * 40) / 100,
      duplicateRate: Math.round(random() * 20) / 100,
      delayMs: [0, Math.floor(random() * 150)] as [number, number],
      reorder: random() < 0.5,
    };
    cluster.raw.setFaults(faults);
    return `faults ${JSON.stringify(faults)}`;
  }

  #clearMessageFaults(): string {
    this.#options.cluster.raw.setFaults({
      dropRate: 0,
      duplicateRate: 0,
      delayMs: [0, 0],
      reorder: false,
    });
    return "clear faults";
  }

  /** Removes a random voter (possibly the leader) while more than three remain. */
  #removeVoter(): string | undefined {
    const { cluster, random } = this.#options;
    const voters = cluster.voters();
    if (voters.length <= 3) return undefined;
    const victim = voters[Math.floor(random() * voters.length)];
    const leader = cluster.raw.leader();
    const accepted = cluster.removeMember(victim);
    // A removed node keeps its disk and may be added back later, stale log and all.
    if (accepted && !this.#options.spareNodes.includes(victim)) {
      this.#options.spareNodes.push(victim);
    }
    return `remove ${victim}${victim === leader ? " (leader)" : ""}${accepted ? "" : " refused"}`;
  }

  #addNode(): string | undefined {
    const id = this.#options.spareNodes[0];
    if (id === undefined) return undefined;
    // Refused (no leader, change pending): stay spare so a later action retries.
    if (!this.#options.cluster.addVoter(id)) return `add voter ${id} refused`;
    this.#options.spareNodes.shift();
    return `add voter ${id}`;
  }
}
