/**
 * Shared fixture of the daemon/network tests: a one-member "cluster" whose submit applies
 * straight to an in-process ClusterState, and a log recorder.
 *
 * @module
 */
import { Command } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import type { DaemonLogger } from "../node/log.ts";

/** In-process state + recorder. */
export class NetKit {
  state = new ClusterState();
  index = 0;
  role = "leader";
  logs: string[] = [];
  submitted: string[] = [];

  /** Applies one command as `identity`. */
  apply(payload: Command["payload"], identity = "alice"): Promise<{ raftIndex: number }> {
    const bytes = Command.encode(
      Command.fromPartial({ clusterId: "c1", ts: new Date(), identity, payload }),
    ).finish();
    this.state.apply(bytes, ++this.index);
    this.submitted.push(`${identity} ${payload?.$case}`);
    return Promise.resolve({ raftIndex: this.index });
  }

  /** A logger recording `<level> <message>`. */
  get log(): DaemonLogger {
    const record = (level: string) => (message: string) => this.logs.push(`${level} ${message}`);
    return {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    };
  }

  /** Applies a deployment with `services` (name → networks) and no replicas. */
  deploy(name: string, services: Record<string, string[]>): Promise<unknown> {
    return this.apply({
      $case: "deploymentApply",
      value: {
        deployment: name,
        revision: 1,
        composeYaml: new TextEncoder().encode("services: {}\n"),
        services: Object.entries(services).map(([service, networks]) => ({
          name: service,
          replicas: 1,
          networks,
        })),
      } as never,
    });
  }
}

/** Polls `probe` until true (5 s deadline). */
export async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
