/**
 * JACO's library surface: what the npm validator package exports. It is the
 * pure manifest side of JACO — loading, interpolating and validating a
 * `jaco.yaml` + compose pair exactly as `jaco validate` and the daemon do —
 * plus the error envelope those functions throw.
 *
 * @module
 */

export * from "./proto/errors.ts";
export * from "./compose/mod.ts";
