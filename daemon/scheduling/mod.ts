/**
 * The leader's scheduling loop: runs the pure planner of `scheduler/` on state changes, on a
 * safety tick and when node liveness changes, and submits each pass as one Batch. Registered in
 * `daemon/node/member_loops.ts`.
 *
 * @module
 */
export {
  type SchedulerContext,
  type SchedulerLoopOptions,
  startSchedulerLoop,
} from "./scheduler_loop.ts";
