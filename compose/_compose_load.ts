/**
 * Whole-document compose checks that need every service at once (pipeline
 * step 6, `compose load: …`): volume entries parse and named volumes are
 * declared, and start dependencies (`depends_on`, `network_mode:
 * service:<x>`) form no cycle — a cycle would leave every member waiting.
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { dependsOnOf } from "./_service_facts.ts";
import { joinPath } from "./_types.ts";
import { parseVolumeEntry, VolumeSyntaxError } from "./volumes.ts";

type Service = Record<string, unknown>;

/**
 * @throws {JacoError} `validation_failed` with a `compose load:` message.
 */
export function checkComposeLoad(
  services: ReadonlyMap<string, Service>,
  serviceNames: readonly string[],
  declaredVolumes: ReadonlySet<string>,
): void {
  for (const name of serviceNames) checkVolumes(name, services.get(name)!, declaredVolumes);
  checkCycles(services, serviceNames);
}

function checkVolumes(name: string, service: Service, declared: ReadonlySet<string>): void {
  const entries = Array.isArray(service.volumes) ? service.volumes : [];
  entries.forEach((entry, index) => {
    const field = joinPath("volumes", index);
    let mount;
    try {
      mount = parseVolumeEntry(entry);
    } catch (error) {
      if (!(error instanceof VolumeSyntaxError)) throw error;
      throw new JacoError(
        "validation_failed",
        `compose load: service "${name}" ${field}: ${error.message}`,
        {
          service: name,
          field,
        },
      );
    }
    if (mount.type === "volume" && mount.source !== "" && !declared.has(mount.source)) {
      throw new JacoError(
        "validation_failed",
        `compose load: service "${name}" refers to undefined volume "${mount.source}"; ` +
          `declare it under top-level volumes:`,
        { service: name, field, volume: mount.source },
      );
    }
  });
}

function startDependencies(service: Service): string[] {
  const deps = dependsOnOf(service).map((d) => d.service);
  const mode = service.network_mode;
  if (typeof mode === "string" && mode.startsWith("service:")) deps.push(mode.slice(8));
  return [...new Set(deps)].sort();
}

function checkCycles(
  services: ReadonlyMap<string, Service>,
  serviceNames: readonly string[],
): void {
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  // Iterative depth-first search: a long dependency chain must not exhaust the call stack.
  for (const root of serviceNames) {
    if (done.has(root)) continue;
    const frames: Array<{ name: string; deps: string[]; next: number }> = [];
    const enter = (name: string) => {
      frames.push({ name, deps: startDependencies(services.get(name)!), next: 0 });
      stack.push(name);
      onStack.add(name);
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.next >= frame.deps.length) {
        frames.pop();
        stack.pop();
        onStack.delete(frame.name);
        done.add(frame.name);
        continue;
      }
      const dep = frame.deps[frame.next++];
      if (!services.has(dep) || done.has(dep)) continue;
      if (onStack.has(dep)) {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        throw new JacoError(
          "validation_failed",
          `compose load: dependency cycle detected: ${cycle.join(" -> ")}`,
          { service: dep, field: "depends_on", cycle: cycle.join(",") },
        );
      }
      enter(dep);
    }
  }
}
