import assert from "node:assert/strict";
import { ListRegistryCredentialsResponse } from "../proto/mod.ts";
import { formatRegistryList, type PasswordSource, readPassword } from "./registry.ts";

function source(text: string, terminal = false): PasswordSource & { prompted: string[] } {
  const prompted: string[] = [];
  return {
    prompted,
    isTerminal: () => terminal,
    readAll: () => Promise.resolve(text),
    prompt(label) {
      prompted.push(label);
      return Promise.resolve(text);
    },
  };
}

Deno.test("readPassword() takes the first stdin line trimmed; warns when not asked for stdin", async () => {
  const warnings: string[] = [];
  assert.equal(
    await readPassword(true, source("  s3cret \r\nnext\n"), (t) => warnings.push(t)),
    "s3cret",
  );
  assert.equal(warnings.length, 0);
  assert.equal(await readPassword(false, source("pw\n"), (t) => warnings.push(t)), "pw");
  assert.match(warnings[0], /^warning: stdin is not a TTY; reading password without prompt/);
  const tty = source("typed", true);
  assert.equal(await readPassword(false, tty, () => {}), "typed");
  assert.deepEqual(tty.prompted, ["Password: "]);
});

Deno.test("readPassword() refuses empty input and blank passwords", async () => {
  await assert.rejects(
    readPassword(true, source(""), () => {}),
    /^Error: read stdin: empty input$/,
  );
  await assert.rejects(
    readPassword(true, source("   \n"), () => {}),
    /^Error: empty password — refusing to store$/,
  );
});

Deno.test("formatRegistryList() fixed-width table with - for no timestamp; json without secrets", async () => {
  const response = ListRegistryCredentialsResponse.fromPartial({
    credentials: [
      { registry: "docker.io", username: "bob", updatedAt: new Date("2026-06-01T12:00:00Z") },
      { registry: "ghcr.io/acme", username: "robot" },
    ],
  });
  assert.equal(
    await formatRegistryList(response, "table"),
    `${"REGISTRY".padEnd(40)} ${"USERNAME".padEnd(30)} UPDATED\n` +
      `${"docker.io".padEnd(40)} ${"bob".padEnd(30)} 2026-06-01T12:00:00Z\n` +
      `${"ghcr.io/acme".padEnd(40)} ${"robot".padEnd(30)} -\n`,
  );
  assert.deepEqual(JSON.parse(await formatRegistryList(response, "json")), {
    credentials: [
      { registry: "docker.io", username: "bob", updated_at: "2026-06-01T12:00:00Z" },
      { registry: "ghcr.io/acme", username: "robot" },
    ],
  });
});
