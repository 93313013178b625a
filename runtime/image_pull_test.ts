import assert from "node:assert/strict";
import type { ContainerEngine, RegistryAuth } from "./engine.ts";
import { ensureImage, maxPullBackoffMs, pullBackoffMs, PullCancelledError } from "./image_pull.ts";

function fakeEngine(failures: number, pulls: (RegistryAuth | undefined)[]): ContainerEngine {
  return {
    pullImage(_image: string, auth: RegistryAuth | undefined) {
      pulls.push(auth);
      return pulls.length <= failures
        ? Promise.reject(new Error(`manifest unknown (${pulls.length})`))
        : Promise.resolve();
    },
  } as unknown as ContainerEngine;
}

Deno.test("pullBackoffMs() doubles from 1 s and caps at 1 h", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(pullBackoffMs), [1000, 2000, 4000, 8000, 16000]);
  assert.equal(pullBackoffMs(12), 2048_000);
  assert.equal(pullBackoffMs(13), maxPullBackoffMs);
  assert.equal(pullBackoffMs(500), maxPullBackoffMs);
});

Deno.test("ensureImage() retries with exponential backoff until the pull succeeds", async () => {
  const pulls: (RegistryAuth | undefined)[] = [];
  const sleeps: number[] = [];
  const attempts: number[] = [];
  const failures: string[] = [];
  const result = await ensureImage({
    engine: fakeEngine(14, pulls),
    image: "ghcr.io/acme/api:1",
    auth: () => undefined,
    onAttempt: (n) => void attempts.push(n),
    onFailure: (n, error) => void failures.push(`${n}:${error.message}`),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    signal: new AbortController().signal,
  });
  assert.equal(result, 15);
  assert.deepEqual(attempts, Array.from({ length: 15 }, (_, i) => i + 1));
  assert.equal(failures[0], "1:manifest unknown (1)");
  assert.deepEqual(sleeps.slice(0, 4), [1000, 2000, 4000, 8000]);
  assert.deepEqual(sleeps.slice(-2), [maxPullBackoffMs, maxPullBackoffMs]);
});

Deno.test("ensureImage() resolves credentials anew for every attempt", async () => {
  const pulls: (RegistryAuth | undefined)[] = [];
  let login: RegistryAuth | undefined;
  await ensureImage({
    engine: fakeEngine(1, pulls),
    image: "ghcr.io/acme/api:1",
    auth: () => login,
    onFailure: () => {
      login = { username: "bot", password: "s", serveraddress: "ghcr.io" };
    },
    sleep: () => Promise.resolve(),
    signal: new AbortController().signal,
  });
  assert.deepEqual(pulls.map((auth) => auth?.username), [undefined, "bot"]);
});

Deno.test("ensureImage() skips the pull under pull_policy never, pulls otherwise", async () => {
  for (
    const [policy, expected] of [["never", 0], ["always", 1], ["missing", 1], ["build", 1]] as const
  ) {
    const pulls: (RegistryAuth | undefined)[] = [];
    const attempts = await ensureImage({
      engine: fakeEngine(0, pulls),
      image: "x",
      pullPolicy: policy,
      auth: () => undefined,
      sleep: () => Promise.resolve(),
      signal: new AbortController().signal,
    });
    assert.equal(attempts, expected, policy);
    assert.equal(pulls.length, expected, policy);
  }
});

Deno.test("ensureImage() ends with PullCancelledError when cancelled during backoff", async () => {
  const controller = new AbortController();
  await assert.rejects(
    ensureImage({
      engine: fakeEngine(100, []),
      image: "x",
      auth: () => undefined,
      sleep: () => {
        controller.abort();
        return Promise.resolve();
      },
      signal: controller.signal,
    }),
    PullCancelledError,
  );
});
