import assert from "node:assert/strict";
import { memoryIo } from "./_io.ts";
import { runCli } from "./_run.ts";
import { commands } from "./_commands.ts";
import { parse as parseYaml } from "yaml";
import { backupTarget, formatBackup } from "./backup.ts";
import { formatRestored } from "./restore.ts";
import { versionString } from "./version.ts";

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({}, env);
  const code = await runCli({ argv, io, commands, version: "v0.1.0" });
  return { code, out: io.out, err: io.err };
}

Deno.test("jaco backup takes --output as the file, not as the global output format", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = `${dir}/cluster.tgz`;
    // No daemon listens on the socket: the failure must come from dialing, not from parsing
    // `--output` as a format, and no file (nor partial file) may be left behind.
    const result = await run(["backup", "--output", target, "--socket", `${dir}/none.sock`]);
    assert.equal(result.code, 1);
    assert.equal(result.out, "");
    assert.doesNotMatch(result.err, /invalid output format/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jaco backup without --output is a usage error", async () => {
  const result = await run(["backup"]);
  assert.equal(result.code, 1);
  assert.match(result.err, /--output is required/);
});

Deno.test("jaco backup reports a destination it cannot create as create output", async () => {
  const dir = await Deno.makeTempDir();
  // A socket must exist for the CLI to get as far as creating the file.
  const listener = Deno.listen({ transport: "unix", path: `${dir}/jaco.sock` });
  try {
    const result = await run([
      "backup",
      "--output",
      `${dir}/missing/x.tgz`,
      "--socket",
      `${dir}/jaco.sock`,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.err, /create output: /);
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jaco restore needs --input and --name and refuses an unreadable input", async () => {
  assert.match((await run(["restore", "--name", "n1"])).err, /--input is required/);
  assert.match((await run(["restore", "--input", "/x"])).err, /--name is required/);
  const missing = await run(["restore", "--input", "/nonexistent.tgz", "--name", "n1"], {
    JACO_DATA_DIR: "/nonexistent-data",
  });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /read input: /);
});

Deno.test("jaco restore refuses an archive that is not a backup and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.tgz`, "not a gzip");
    const result = await run([
      "restore",
      "--input",
      `${dir}/bad.tgz`,
      "--name",
      "n1",
      "--data-dir",
      `${dir}/data`,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.err, /validation_failed/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["bad.tgz"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backupTarget() reads --output as the file and a second -o value as the format", () => {
  assert.deepEqual(backupTarget(["c.tgz"]), { file: "c.tgz", format: "table" });
  assert.deepEqual(backupTarget(["json"]), { file: "json", format: "table" });
  assert.deepEqual(backupTarget(["c.tgz", "json"]), { file: "c.tgz", format: "json" });
  assert.deepEqual(backupTarget(["yaml", "c.tgz"]), { file: "c.tgz", format: "yaml" });
  assert.throws(() => backupTarget(undefined), /--output is required/);
  assert.throws(() => backupTarget(["a", "b"]), /given 2 times/);
});

Deno.test("backup -o json|yaml prints {output, bytes}", async () => {
  assert.equal(await formatBackup("c.tgz", 42, "table"), "Wrote 42 bytes to c.tgz\n");
  assert.deepEqual(JSON.parse(await formatBackup("c.tgz", 42, "json")), {
    output: "c.tgz",
    bytes: 42,
  });
  assert.deepEqual(parseYaml(await formatBackup("c.tgz", 42, "yaml")), {
    output: "c.tgz",
    bytes: 42,
  });
});

Deno.test("restore -o json|yaml prints {data_dir, name}", async () => {
  assert.deepEqual(JSON.parse(await formatRestored("/d", "n1", "json")), {
    data_dir: "/d",
    name: "n1",
  });
  assert.deepEqual(parseYaml(await formatRestored("/d", "n1", "yaml")), {
    data_dir: "/d",
    name: "n1",
  });
});

Deno.test("version -o json|yaml prints {version}", async () => {
  for (const format of ["json", "yaml"]) {
    const result = await run(["version", "-o", format]);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(parseYaml(result.out), { version: versionString });
  }
});
