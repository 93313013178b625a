/**
 * The per-node runtime reconciler (scheduling.md §7): converges this node's containers to the
 * replicated `ReplicaDesired` records with `host == self`.
 *
 * - Triggers: start (orphan sweep, then resync), `replicas_desired` events (start on add/update
 *   to self; stop + remove on removal or move away), RESYNC, observation events into `pulling`,
 *   `running` or `degraded` (wake the starts deferred on `depends_on`), a local replica's
 *   `restart_exhausted` observation cleared by a new revision (start it), a 30 s tick (orphan sweep
 *   + resync), and `replica_commands` (`restart`: stop with the container's own signal and grace,
 *   remove, start fresh — once per command raft index).
 * - Dispatch: every replica has one lane (a promise chain), so its starts, stops and restarts
 *   never overlap; a start in flight for the same `raft_index` is not started twice, a different
 *   index cancels it (scheduling.md §7.2).
 * - Health: one {@link HealthWatcher} per replica; transitions only are written
 *   ({@link ObservationPublisher}). The engine's container events (exit, OOM, health verdict)
 *   poke the replica's watcher for an immediate poll; the stream reconnects after 1 s when it
 *   ends or fails (polling alone still converges meanwhile).
 * - Docker unreachable: logs WARN `docker unreachable, runtime disabled` once and retries the
 *   ping every `dockerRetryMs` (default 10 s) without failing the daemon.
 *
 * Decision where the spec is silent: commands issued while this node was not subscribed are not
 * replayed (the agent subscribes from the current revision); the restarter re-issues on the next
 * failure and the level-triggered resync converges the rest.
 *
 * @module
 */
import {
  type Command,
  enumShortName,
  ReplicaCommandOp,
  type ReplicaDesired,
  ReplicaState,
} from "../../proto/mod.ts";
import {
  abortableSleep,
  type ContainerEngine,
  HealthWatcher,
  JacoLabel,
} from "../../runtime/mod.ts";
import { type ClusterState, WatchEventKind } from "../../state/mod.ts";
import type { DaemonLogger } from "../node/log.ts";
import { wakesDependents } from "./depends_gate.ts";
import { ObservationPublisher } from "./observation_publisher.ts";
import { type PipelineContext, startReplica } from "./start_pipeline.ts";

/** Observation code of a replica the restarter gave up on (scheduling.md §11). */
const restartExhausted = "restart_exhausted";

/** Options of a {@link RuntimeAgent}. */
export interface RuntimeAgentOptions {
  nodeName: string;
  state: ClusterState;
  submit(payload: Command["payload"], identity: string): Promise<{ raftIndex: number }>;
  engine: ContainerEngine;
  log: DaemonLogger;
  now?(): Date;
  /** Abortable wait (pull backoff, docker retry); default real timers. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  /** Orphan sweep + resync period (default 30 s). */
  resyncIntervalMs?: number;
  /** Docker ping retry period while unreachable (default 10 s). */
  dockerRetryMs?: number;
  /** Health poll intervals (defaults 1 s / 5 s). */
  pendingPollMs?: number;
  runningPollMs?: number;
  /** Subnets + bridges of the start pipeline's step 4 (absent: plain per-host networks). */
  networks?: PipelineContext["networks"];
}

function stateName(state: number): string {
  return enumShortName(ReplicaState, state)?.toLowerCase() ?? String(state);
}

interface Lane {
  chain: Promise<void>;
  start?: { raftIndex: number; controller: AbortController };
}

/** The runtime reconciler of one node. */
export class RuntimeAgent {
  #options: RuntimeAgentOptions;
  #controller = new AbortController();
  #lanes = new Map<string, Lane>();
  #watchers = new Map<string, HealthWatcher>();
  #deferred = new Set<string>();
  #commandsDone = new Set<number>();
  #publisher: ObservationPublisher;
  #pipeline: PipelineContext;
  #run: Promise<void> | undefined;
  #sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(options: RuntimeAgentOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#publisher = new ObservationPublisher({
      nodeName: options.nodeName,
      state: options.state,
      submit: options.submit,
      now: options.now ?? (() => new Date()),
    });
    this.#pipeline = {
      nodeName: options.nodeName,
      state: options.state,
      engine: options.engine,
      log: options.log,
      publisher: this.#publisher,
      sleep: this.#sleep,
      watch: (replicaId, containerId) => this.#watch(replicaId, containerId),
      deferred: this.#deferred,
      networks: options.networks,
    };
  }

  /** Observations submitted so far (transitions only). */
  get observationsWritten(): number {
    return this.#publisher.written;
  }

  /** Health polls made for a replica's current container (0 when none is watched). */
  watcherPolls(replicaId: string): number {
    return this.#watchers.get(replicaId)?.polls ?? 0;
  }

  /** Starts the loop (idempotent). */
  start(): void {
    this.#run ??= this.#main().catch((error) => {
      this.#options.log.error("runtime reconciler stopped", { error: (error as Error).message });
    });
  }

  /** Stops the loop, the watchers and the work in flight (containers keep running). */
  async stop(): Promise<void> {
    this.#controller.abort();
    for (const lane of this.#lanes.values()) lane.start?.controller.abort();
    await this.#run;
    await Promise.allSettled([...this.#lanes.values()].map((lane) => lane.chain));
    await Promise.allSettled([...this.#watchers.values()].map((watcher) => watcher.stop()));
    this.#watchers.clear();
  }

  /** Runs one orphan sweep and one resync now, resolving when their work has ended. */
  async reconcileNow(): Promise<void> {
    await this.#sweepOrphans();
    this.#resync();
    await Promise.allSettled([...this.#lanes.values()].map((lane) => lane.chain));
  }

  async #main(): Promise<void> {
    const { log, state } = this.#options;
    const signal = this.#controller.signal;
    if (!await this.#waitForDocker()) return;
    const desired = state.subscribe("replicas_desired", {
      sinceRevision: state.revision("replicas_desired"),
      signal,
    });
    const observed = state.subscribe("replicas_observed", {
      sinceRevision: state.revision("replicas_observed"),
      signal,
    });
    const commands = state.subscribe("replica_commands", {
      sinceRevision: state.revision("replica_commands"),
      signal,
    });
    log.info("runtime reconciler started", { node: this.#options.nodeName });
    await this.#sweepOrphans();
    this.#resync();
    await Promise.all([
      this.#consumeDesired(desired),
      this.#consumeObserved(observed),
      this.#consumeCommands(commands),
      this.#tick(),
      this.#consumeEngineEvents(),
    ]);
  }

  /** Pokes the watcher of every container the engine reports an exit or health change for. */
  async #consumeEngineEvents(): Promise<void> {
    const { engine, log } = this.#options;
    const signal = this.#controller.signal;
    if (!engine.containerEvents) return;
    while (!signal.aborted) {
      try {
        for await (const event of engine.containerEvents(signal)) {
          for (const watcher of this.#watchers.values()) {
            if (watcher.containerId === event.containerId) watcher.poke();
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        log.debug("container event stream failed", { error: (error as Error).message });
      }
      await this.#sleep(1_000, signal).catch(() => undefined);
    }
  }

  async #waitForDocker(): Promise<boolean> {
    const signal = this.#controller.signal;
    let warned = false;
    while (!signal.aborted) {
      try {
        await this.#options.engine.ping();
        if (warned) this.#options.log.info("docker reachable, runtime enabled");
        return true;
      } catch (error) {
        if (!warned) {
          this.#options.log.warn("docker unreachable, runtime disabled", {
            error: (error as Error).message,
          });
          warned = true;
        }
      }
      await this.#sleep(this.#options.dockerRetryMs ?? 10_000, signal);
    }
    return false;
  }

  async #tick(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      await this.#sleep(this.#options.resyncIntervalMs ?? 30_000, signal);
      if (signal.aborted) return;
      await this.#sweepOrphans();
      this.#resync();
    }
  }

  async #consumeDesired(
    events: AsyncIterable<{ kind: string; before?: ReplicaDesired; after?: ReplicaDesired }>,
  ) {
    const self = this.#options.nodeName;
    for await (const event of events) {
      if (event.kind === WatchEventKind.RESYNC) {
        await this.#sweepOrphans();
        this.#resync();
      } else if (event.after?.host === self) {
        this.#dispatchStart(event.after);
      } else if (event.before?.host === self) {
        this.#dispatchStop(event.before.id);
      }
    }
  }

  async #consumeObserved(
    events: AsyncIterable<{
      kind: string;
      before?: { id: string; code: string };
      after?: { state: number; code: string };
      freshnessOnly?: boolean;
    }>,
  ) {
    for await (const event of events) {
      if (event.kind === WatchEventKind.RESYNC) this.#wakeDeferred();
      else if (event.after && !event.freshnessOnly && wakesDependents(event.after.state)) {
        this.#wakeDeferred();
      }
      // A new revision drops `restart_exhausted` (state/): start the replica again now rather
      // than on the next 30 s tick (an identical re-apply changes no desired record).
      if (
        event.before?.code === restartExhausted && event.after?.code !== restartExhausted
      ) {
        const desired = this.#options.state.view().replicaDesired(event.before.id);
        if (desired?.host === this.#options.nodeName) this.#dispatchStart(desired);
      }
    }
  }

  async #consumeCommands(
    events: AsyncIterable<
      { kind: string; after?: { replicaId: string; op: string }; raftIndex: number }
    >,
  ) {
    for await (const event of events) {
      const command = event.after;
      if (!command || command.op !== ReplicaCommandOp.restart) continue;
      if (this.#commandsDone.has(event.raftIndex)) continue;
      const desired = this.#options.state.view().replicaDesired(command.replicaId);
      if (desired?.host !== this.#options.nodeName) continue;
      this.#commandsDone.add(event.raftIndex);
      this.#options.log.info("replica restart command", {
        replica_id: desired.id,
        command_index: event.raftIndex,
      });
      this.#dispatchStop(desired.id);
      this.#dispatchStart(desired);
    }
  }

  #wakeDeferred(): void {
    const view = this.#options.state.view();
    for (const id of [...this.#deferred]) {
      const desired = view.replicaDesired(id);
      if (desired?.host === this.#options.nodeName) this.#dispatchStart(desired);
      else this.#deferred.delete(id);
    }
  }

  #resync(): void {
    const view = this.#options.state.view();
    for (const desired of view.replicasDesired({ host: this.#options.nodeName })) {
      this.#dispatchStart(desired);
    }
  }

  #lane(replicaId: string): Lane {
    let lane = this.#lanes.get(replicaId);
    if (!lane) {
      lane = { chain: Promise.resolve() };
      this.#lanes.set(replicaId, lane);
    }
    return lane;
  }

  #enqueue(replicaId: string, task: () => Promise<void>): void {
    const lane = this.#lane(replicaId);
    lane.chain = lane.chain.then(task).catch((error) => {
      this.#options.log.error("replica task failed", {
        replica_id: replicaId,
        error: (error as Error).message,
      });
    });
  }

  #dispatchStart(desired: ReplicaDesired): void {
    if (this.#controller.signal.aborted) return;
    const lane = this.#lane(desired.id);
    if (lane.start?.raftIndex === desired.raftIndex) return;
    lane.start?.controller.abort();
    const controller = new AbortController();
    const start = { raftIndex: desired.raftIndex, controller };
    lane.start = start;
    this.#enqueue(desired.id, async () => {
      try {
        if (controller.signal.aborted) return;
        await startReplica(this.#pipeline, desired, controller.signal);
      } finally {
        if (lane.start === start) lane.start = undefined;
      }
    });
  }

  #dispatchStop(replicaId: string): void {
    const lane = this.#lane(replicaId);
    lane.start?.controller.abort();
    lane.start = undefined;
    this.#deferred.delete(replicaId);
    this.#enqueue(replicaId, async () => {
      const watcher = this.#watchers.get(replicaId);
      this.#watchers.delete(replicaId);
      await watcher?.stop();
      const { engine } = this.#options;
      const clusterId = this.#options.state.view().clusterMeta()?.clusterId;
      if (!clusterId) return;
      const containers = await engine.listContainers({
        [JacoLabel.clusterId]: clusterId,
        [JacoLabel.replicaId]: replicaId,
        [JacoLabel.host]: this.#options.nodeName,
      });
      for (const container of containers) {
        await engine.stopContainer(container.Id);
        await engine.removeContainer(container.Id);
        this.#options.log.info("replica container removed", {
          replica_id: replicaId,
          container_id: container.Id,
        });
      }
      this.#publisher.forget(replicaId);
    });
  }

  #watch(replicaId: string, containerId: string): void {
    const current = this.#watchers.get(replicaId);
    if (current?.containerId === containerId) return;
    current?.stop();
    const observed = this.#options.state.view().replicaObserved(replicaId);
    const seed = observed?.containerId === containerId && observed.host === this.#options.nodeName
      ? {
        state: observed.state,
        code: observed.code,
        message: observed.message,
        details: observed.details,
      }
      : undefined;
    const watcher = new HealthWatcher({
      seed,
      engine: this.#options.engine,
      replicaId,
      containerId,
      pendingIntervalMs: this.#options.pendingPollMs,
      runningIntervalMs: this.#options.runningPollMs,
      onTransition: async (report, previous) => {
        this.#options.log.info("replica health transition", {
          replica_id: replicaId,
          from: previous ? stateName(previous.state) : "none",
          to: stateName(report.state),
          code: report.code,
        });
        try {
          await this.#publisher.publish(replicaId, { ...report, containerId });
        } catch (error) {
          this.#options.log.warn("replica observation not written", {
            replica_id: replicaId,
            error: (error as Error).message,
          });
          throw error;
        }
      },
    });
    this.#watchers.set(replicaId, watcher);
    watcher.start();
  }

  async #sweepOrphans(): Promise<void> {
    const view = this.#options.state.view();
    const clusterId = view.clusterMeta()?.clusterId;
    if (!clusterId) {
      this.#options.log.debug("orphan sweep skipped: cluster meta unknown");
      return;
    }
    let containers;
    try {
      containers = await this.#options.engine.listContainers({
        [JacoLabel.clusterId]: clusterId,
        [JacoLabel.host]: this.#options.nodeName,
      });
    } catch (error) {
      this.#options.log.warn("orphan sweep failed", { error: (error as Error).message });
      return;
    }
    const orphans = new Set<string>();
    for (const container of containers) {
      const replicaId = container.Labels[JacoLabel.replicaId];
      if (!replicaId) continue;
      if (view.replicaDesired(replicaId)?.host !== this.#options.nodeName) orphans.add(replicaId);
    }
    for (const replicaId of orphans) {
      this.#options.log.info("orphan container reclaimed", { replica_id: replicaId });
      this.#dispatchStop(replicaId);
    }
  }
}
