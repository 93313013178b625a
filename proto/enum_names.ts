/**
 * Short names of generated enum values (errors.md §8–§9): the value name without its enum
 * prefix, lower-cased — `REPLICA_STATE_RUNNING` → `running`, `AUDIT_EVENT_TYPE_REBALANCE_SKIPPED`
 * → `rebalance_skipped`. JSON/YAML output and `jaco audit --type` use them; tables upper-case them.
 *
 * @module
 */

/** A generated enum object (`{ NAME: number, …, UNRECOGNIZED: -1 }`). */
export type EnumObject = Readonly<Record<string, number>>;

// ts-proto adds UNRECOGNIZED (-1) to every enum; it is not a wire value.
const unrecognized = "UNRECOGNIZED";

/** The common prefix of an enum's value names, taken from its zero value `<PREFIX>UNSPECIFIED`. */
function prefixOf(enumObject: EnumObject): string {
  const zero = Object.keys(enumObject).find((key) => enumObject[key] === 0) ?? "";
  return zero.endsWith("UNSPECIFIED") ? zero.slice(0, -"UNSPECIFIED".length) : "";
}

/**
 * The short name of `value`, or undefined when the enum has no such value (e.g. a number a newer
 * peer sent, or the retired audit type 22).
 *
 * @example
 * ```ts
 * enumShortName(ReplicaState, ReplicaState.REPLICA_STATE_RUNNING); // "running"
 * enumShortName(NodeSuffrage_Kind, 2); // "nonvoter"
 * ```
 */
export function enumShortName(enumObject: EnumObject, value: number): string | undefined {
  const prefix = prefixOf(enumObject);
  for (const [key, number] of Object.entries(enumObject)) {
    if (number === value && key !== unrecognized) return key.slice(prefix.length).toLowerCase();
  }
  return undefined;
}

/**
 * The value of a short name (case-insensitive, so table and JSON forms both parse), or
 * undefined when no value has that name.
 *
 * @example
 * ```ts
 * enumFromShortName(AuditEventType, "rebalance_skipped"); // 23
 * enumFromShortName(ReplicaState, "RUNNING"); // 3
 * ```
 */
export function enumFromShortName(enumObject: EnumObject, name: string): number | undefined {
  const key = prefixOf(enumObject) + name.toUpperCase();
  return key !== unrecognized && Object.hasOwn(enumObject, key) ? enumObject[key] : undefined;
}
