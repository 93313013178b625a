import assert from "node:assert/strict";
import { Progress, ProgressState } from "./_progress.ts";

Deno.test("Progress in probe state pauses after one append until answered", () => {
  const pr = new Progress(5, 4);
  assert.ok(!pr.isPaused());
  pr.sent(6, 2);
  assert.ok(pr.isPaused());
  assert.equal(pr.next, 5, "probing does not move next optimistically");
  pr.onHeartbeatResponse();
  assert.ok(!pr.isPaused(), "a heartbeat answer lets the probe retry");
});

Deno.test("Progress in replicate state pipelines up to maxInflight", () => {
  const pr = new Progress(1, 2);
  pr.maybeUpdate(3);
  pr.becomeReplicate();
  assert.equal(pr.next, 4);
  pr.sent(5, 2);
  pr.sent(7, 2);
  assert.equal(pr.next, 8);
  assert.ok(pr.isPaused(), "window of 2 is full");
  pr.maybeUpdate(5);
  assert.ok(!pr.isPaused(), "an ack frees its slot");
  assert.equal(pr.match, 5);
});

Deno.test("Progress.maybeDecrTo() ignores stale rejections and follows the hint", () => {
  const pr = new Progress(11, 4);
  assert.ok(!pr.maybeDecrTo(5, 2), "probe: rejection of an append we did not just send");
  assert.ok(pr.maybeDecrTo(10, 3));
  assert.equal(pr.next, 4, "next moves to hint + 1");
  pr.maybeUpdate(6);
  pr.becomeReplicate();
  assert.ok(!pr.maybeDecrTo(6, 0), "replicate: rejection at or below match is stale");
  assert.ok(pr.maybeDecrTo(9, 7));
  assert.equal(pr.state, ProgressState.probe);
  assert.equal(pr.next, 7);
});

Deno.test("Progress leaving snapshot state probes right after the snapshot", () => {
  const pr = new Progress(3, 4);
  pr.becomeSnapshot({
    meta: { index: 50, term: 2, conf: { voters: [], learners: [] } },
    data: new Uint8Array(),
  });
  assert.ok(pr.isPaused());
  pr.becomeProbe();
  assert.equal(pr.next, 51);
});
