import assert from "node:assert/strict";
import { readTextFileIfExists } from "./config_file.ts";

Deno.test("readTextFileIfExists() reads a file, and gives undefined when it is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/jacod.yaml`, "wg_port: 1\n");
    assert.equal(await readTextFileIfExists(`${dir}/jacod.yaml`), "wg_port: 1\n");
    assert.equal(await readTextFileIfExists(`${dir}/missing.yaml`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTextFileIfExists() rejects other failures instead of hiding them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readTextFileIfExists(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
