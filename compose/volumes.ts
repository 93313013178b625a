/**
 * Service volume mounts and the docker source names JACO gives them
 * (manifests.md §2.7): named volumes are scoped to the deployment unless the
 * top-level definition sets `name:` or `external:`; bind mounts and anonymous
 * volumes pass through unchanged.
 *
 * @module
 */

import { isMapping } from "./_types.ts";
import type { ComposeProject } from "./compose_project.ts";

/** Mount kinds compose knows. */
export const MountType = {
  volume: "volume",
  bind: "bind",
  tmpfs: "tmpfs",
  npipe: "npipe",
  cluster: "cluster",
  image: "image",
} as const;
/** One mount kind. */
export type MountType = typeof MountType[keyof typeof MountType];

/** A service mount as written, normalised from the short or long form. */
export interface VolumeMount {
  type: MountType;
  /** Named-volume key, host path, or `""` for anonymous volumes and tmpfs. */
  source: string;
  target: string;
  readOnly: boolean;
}

/** A volume entry that does not parse; the message is a short reason. */
export class VolumeSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VolumeSyntaxError";
  }
}

function isHostPath(source: string): boolean {
  return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
}

/**
 * Parses one `volumes:` entry of a structurally valid service.
 *
 * @throws {VolumeSyntaxError} on an empty source/target or too many parts.
 */
export function parseVolumeEntry(entry: unknown): VolumeMount {
  if (typeof entry === "string") {
    const parts = entry.split(":");
    if (parts.length > 3) throw new VolumeSyntaxError(`"${entry}" has too many ":" parts`);
    if (parts.length === 1) {
      if (parts[0] === "") throw new VolumeSyntaxError("empty volume entry");
      return { type: "volume", source: "", target: parts[0], readOnly: false };
    }
    const [source, target, mode = ""] = parts;
    if (source === "" || target === "") {
      throw new VolumeSyntaxError(`"${entry}" has an empty source or target`);
    }
    return {
      type: isHostPath(source) ? "bind" : "volume",
      source,
      target,
      readOnly: mode.split(",").includes("ro"),
    };
  }
  if (!isMapping(entry)) throw new VolumeSyntaxError("entry is not a string or mapping");
  const type = (typeof entry.type === "string" ? entry.type : "volume") as MountType;
  const source = typeof entry.source === "string" ? entry.source : "";
  const target = typeof entry.target === "string" ? entry.target : "";
  if (target === "") throw new VolumeSyntaxError("long form needs target");
  if (type === "bind" && source === "") throw new VolumeSyntaxError("bind mount needs source");
  return { type, source, target, readOnly: entry.read_only === true };
}

/**
 * The docker volume name a named-volume key maps to in a deployment:
 * `name:` verbatim, else the key itself for `external` volumes (the legacy
 * `external: {name: …}` counts as external; its inner name is ignored), else
 * `jaco_<deployment>_<key>`.
 */
export function volumeSourceName(
  deployment: string,
  compose: ComposeProject,
  key: string,
): string {
  const definition = compose.volumes.get(key);
  if (definition && typeof definition.name === "string" && definition.name !== "") {
    return definition.name;
  }
  if (definition && (definition.external === true || isMapping(definition.external))) return key;
  return `jaco_${deployment}_${key}`;
}

/**
 * A service's mounts with named-volume sources rewritten to their docker
 * names; bind mounts, anonymous volumes and tmpfs are unchanged.
 *
 * @example
 * ```ts
 * serviceMounts("crm", compose, "pg");
 * // [{ type: "volume", source: "jaco_crm_pgdata", target: "/var/lib/postgresql/data", readOnly: false }]
 * ```
 */
export function serviceMounts(
  deployment: string,
  compose: ComposeProject,
  service: string,
): VolumeMount[] {
  const entries = compose.services.get(service)?.volumes ?? [];
  return entries.map((entry) => {
    const mount = parseVolumeEntry(entry);
    if (mount.type !== "volume" || mount.source === "") return mount;
    return { ...mount, source: volumeSourceName(deployment, compose, mount.source) };
  });
}
