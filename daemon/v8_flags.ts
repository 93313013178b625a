/**
 * The V8 flags `jacod` runs with, in every launch command (`deno task jacod`, the test daemons,
 * the rig, `deno compile`). An idle daemon's heap is small (~20 MB used), so V8's defaults for
 * a throughput-oriented process cost memory for nothing:
 * - `--max-semi-space-size=1`: the young generation stays at 1 MB semi-spaces instead of growing
 *   to 16 MB (more scavenges, each tiny; measured −13 MB idle RSS);
 * - `--single-threaded-gc`: no parallel/concurrent GC worker threads and their arenas (−3 MB).
 *
 * Measured with `deno task bench footprint` (3-node loopback cluster, 2 cores): idle RSS max
 * 117–123 MB without these flags, 102–105 MB with them. Flags tried and left out:
 * `--single-threaded` and `--no-opt` (noisier, not smaller), `--optimize-for-size` (no change),
 * `--lite-mode` (the daemon does not start).
 *
 * @module
 */

/** The flags, in the order they are passed. */
export const JACOD_V8_FLAGS: readonly string[] = [
  "--max-semi-space-size=1",
  "--single-threaded-gc",
];

/** The `deno run` / `deno compile` argument carrying {@link JACOD_V8_FLAGS}. */
export const JACOD_V8_FLAGS_ARG = `--v8-flags=${JACOD_V8_FLAGS.join(",")}`;
