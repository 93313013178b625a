/**
 * Interoperability with the system `tar`/`gzip`: operators inspect backups with them, and may
 * hand-assemble one. Skipped (with a printed reason) only when `tar` or `gzip` is not installed.
 */
import assert from "node:assert/strict";
import { readBackupArchive, writeBackupArchive } from "./backup_archive.ts";
import { encodeBackupMeta } from "./backup_meta.ts";
import { assertJacoError, sampleMeta, sampleSnapshot } from "./_kit_test.ts";

async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")}: ${text.decode(output.stderr)}`);
  }
  return text.decode(output.stdout);
}

async function installed(command: string): Promise<boolean> {
  try {
    await run(command, ["--version"]);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const missing = [];
for (const tool of ["tar", "gzip"]) if (!(await installed(tool))) missing.push(tool);
if (missing.length > 0) {
  console.log(`skipping backup interop tests: ${missing.join(", ")} not installed`);
}
const ignore = missing.length > 0;

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  // A fresh directory per test: nothing is named after the clock, so nothing can collide.
  const dir = await Deno.makeTempDir({ prefix: "jaco-backup-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const now = new Date("2026-05-25T10:00:00.400Z");

Deno.test({
  name: "writeBackupArchive() output extracts with system tar -xzf into the same two files",
  ignore,
  fn: () =>
    inTempDir(async (dir) => {
      const snapshot = sampleSnapshot(150_000);
      await Deno.writeFile(
        `${dir}/backup.tar.gz`,
        await writeBackupArchive({ snapshot, meta: sampleMeta(), now }),
      );
      const listing = await run("tar", ["-tzf", `${dir}/backup.tar.gz`]);
      assert.deepEqual(listing.trim().split("\n"), ["meta.json", "snapshot.bin"]);
      await Deno.mkdir(`${dir}/out`);
      await run("tar", ["-xzf", `${dir}/backup.tar.gz`, "-C", `${dir}/out`]);
      assert.deepEqual(await Deno.readFile(`${dir}/out/snapshot.bin`), snapshot);
      assert.equal(await Deno.readTextFile(`${dir}/out/meta.json`), encodeBackupMeta(sampleMeta()));
      for (const name of ["meta.json", "snapshot.bin"]) {
        const info = await Deno.stat(`${dir}/out/${name}`);
        assert.equal(info.mode! & 0o777, 0o600, `${name} mode`);
        assert.equal(
          info.mtime!.getTime(),
          Math.floor(now.getTime() / 1000) * 1000,
          `${name} mtime`,
        );
      }
      await run("gzip", ["-t", `${dir}/backup.tar.gz`]);
    }),
});

Deno.test({
  name:
    "readBackupArchive() reads an archive made by system tar then gzip, in gnu, posix (pax) and ustar formats",
  ignore,
  fn: () =>
    inTempDir(async (dir) => {
      const snapshot = sampleSnapshot(3000);
      await Deno.mkdir(`${dir}/parts`);
      await Deno.writeTextFile(`${dir}/parts/meta.json`, encodeBackupMeta(sampleMeta()));
      await Deno.writeFile(`${dir}/parts/snapshot.bin`, snapshot);
      // gnu is GNU tar's default; posix adds pax extended headers (as bsdtar does on macOS).
      for (const format of ["gnu", "posix", "ustar"]) {
        const tarPath = `${dir}/${format}.tar`;
        await run("tar", [
          `--format=${format}`,
          "-cf",
          tarPath,
          "-C",
          `${dir}/parts`,
          "meta.json",
          "snapshot.bin",
        ]);
        await run("gzip", [tarPath]);
        const read = await readBackupArchive(await Deno.readFile(`${tarPath}.gz`), {
          runningVersion: "1.0.0",
        });
        assert.deepEqual(read.meta, sampleMeta(), format);
        assert.deepEqual(read.snapshot, snapshot, format);
      }
    }),
});

Deno.test({
  name: "readBackupArchive() refuses a system tar of the whole directory (./ entries)",
  ignore,
  fn: () =>
    inTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/parts`);
      await Deno.writeTextFile(`${dir}/parts/meta.json`, encodeBackupMeta(sampleMeta()));
      await Deno.writeFile(`${dir}/parts/snapshot.bin`, sampleSnapshot(10));
      await run("tar", ["-czf", `${dir}/dir.tar.gz`, "-C", `${dir}/parts`, "."]);
      await assert.rejects(
        async () =>
          readBackupArchive(await Deno.readFile(`${dir}/dir.tar.gz`), { runningVersion: "1" }),
        (error) =>
          assertJacoError(error, {
            code: "validation_failed",
            message: "unexpected tar entry: ./",
            details: { reason: "unexpected_entry", type: "5" },
          }),
      );
    }),
});

Deno.test({
  name: "writeBackupArchive() backups taken within one second stay distinct and both extract",
  ignore,
  fn: () =>
    inTempDir(async (dir) => {
      const first = sampleSnapshot(1000);
      const second = sampleSnapshot(1001);
      const archives = await Promise.all([first, second].map((snapshot, i) =>
        writeBackupArchive({ snapshot, meta: sampleMeta({ snapshotIndex: 100 + i }), now })
      ));
      for (const [i, snapshot] of [first, second].entries()) {
        await Deno.mkdir(`${dir}/${i}`);
        await Deno.writeFile(`${dir}/${i}/backup.tar.gz`, archives[i]);
        await run("tar", ["-xzf", `${dir}/${i}/backup.tar.gz`, "-C", `${dir}/${i}`]);
        assert.deepEqual(await Deno.readFile(`${dir}/${i}/snapshot.bin`), snapshot);
        const read = await readBackupArchive(archives[i], { runningVersion: "1.0.0" });
        assert.equal(read.meta.snapshotIndex, 100 + i);
      }
    }),
});
