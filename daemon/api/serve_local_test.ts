import assert from "node:assert/strict";
import { createDispatcher } from "./dispatcher.ts";
import { standardGates } from "./gates.ts";
import { createLocalApp } from "./local_app.ts";
import { NotASocketError, serveLocal, SocketInUseError } from "./serve_local.ts";
import { callJson, fakeAuthenticate, fakeTable } from "./_testing.ts";

function app(logsStopped?: () => void) {
  return createLocalApp(
    createDispatcher(
      fakeTable({ logsStopped }),
      standardGates({ isInitialized: () => true, authenticate: fakeAuthenticate }),
    ),
  );
}

function socketFetch(path: string) {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  return {
    fetch: (request: Request) => fetch(request, { client }),
    close: () => client.close(),
  };
}

Deno.test("serveLocal() round-trips unary and streaming calls over a real unix socket", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/run/jaco.sock`;
  const server = await serveLocal(app(), path);
  const client = socketFetch(path);
  try {
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o660);
    assert.deepEqual(await callJson(client.fetch, "/jaco.v1.Cluster/Status", {}), {
      status: 200,
      response: { initialized: true, leader: "local", raftIndex: 7 },
    });
    assert.deepEqual(await callJson(client.fetch, "/jaco.v1.Cluster/Backup", {}), {
      status: 200,
      items: [{ data: "AQ==" }, { data: "Ag==" }, { data: "Aw==" }],
    });
    const refused = await callJson(client.fetch, "/jaco.v1.Deploy/Rollback", { deployment: 1 });
    assert.equal(refused.error?.code, "validation_failed");
  } finally {
    client.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(() => Deno.lstat(path), Deno.errors.NotFound);
});

Deno.test("serveLocal() keeps a follow stream open until the client goes away", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/jaco.sock`;
  let stopped = () => {};
  const logsStopped = new Promise<void>((resolve) => stopped = resolve);
  const server = await serveLocal(app(() => stopped()), path);
  const client = socketFetch(path);
  try {
    const response = await client.fetch(
      new Request("http://jaco/jaco.v1.Deploy/Logs", {
        method: "POST",
        body: JSON.stringify({ deployment: "web", follow: true }),
      }),
    );
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (text.split("\n").length <= 5) text += (await reader.read()).value;
    assert.deepEqual(
      text.split("\n").slice(0, 5).map((line) => JSON.parse(line).replicaId),
      ["r0", "r1", "r2", "r3", "r4"],
    );
    await reader.cancel();
    await logsStopped;
  } finally {
    client.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveLocal() shutdown() ends a follow stream with an Unavailable error line", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/jaco.sock`;
  const server = await serveLocal(app(), path);
  const client = socketFetch(path);
  try {
    const response = await client.fetch(
      new Request("http://jaco/jaco.v1.Deploy/Logs", {
        method: "POST",
        body: JSON.stringify({ deployment: "web", follow: true }),
      }),
    );
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.ok(first.value);
    const shutdown = server.shutdown();
    let text = first.value;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += chunk.value;
    }
    await shutdown;
    const last = JSON.parse(text.trim().split("\n").at(-1)!);
    assert.deepEqual(last, {
      error: {
        code: "internal",
        message: "server is shutting down",
        details: { code: "UNAVAILABLE", grpc_status: "14" },
      },
    });
  } finally {
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveLocal() replaces a stale socket but never a live one or a regular file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/jaco.sock`;
  try {
    // A socket file left behind by a dead process: bind, then drop the listener's fd only.
    const stale = Deno.listen({ transport: "unix", path });
    stale.close();
    await Deno.writeTextFile(`${dir}/marker`, "");
    const server = await serveLocal(app(), path);
    await assert.rejects(() => serveLocal(app(), path), SocketInUseError);
    await server.shutdown();

    await Deno.writeTextFile(path, "not a socket");
    await assert.rejects(() => serveLocal(app(), path), NotASocketError);
    assert.equal(await Deno.readTextFile(path), "not a socket");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
