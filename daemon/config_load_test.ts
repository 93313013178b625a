import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import {
  defaultConfigPath,
  loadDaemonConfig,
  type LoadDaemonConfigOptions,
} from "./config_load.ts";
import { letsEncryptProduction, parseDaemonConfig } from "./config.ts";

/** A fake file system: path → text; records every path read. */
function fakeFiles(files: Record<string, string>) {
  const reads: string[] = [];
  const readFile = (path: string) => {
    reads.push(path);
    return Promise.resolve(Object.hasOwn(files, path) ? files[path] : undefined);
  };
  return { reads, readFile };
}

function loadOptions(
  files: Record<string, string>,
  extra: Partial<LoadDaemonConfigOptions> = {},
): LoadDaemonConfigOptions & { reads: string[] } {
  const { reads, readFile } = fakeFiles(files);
  return { env: {}, hostname: "host-a", readFile, reads, ...extra };
}

Deno.test("loadDaemonConfig() picks the file: --config > $JACO_CONFIG > /etc/jaco/jacod.yaml", async () => {
  const files = {
    "/flag.yaml": "wg_port: 1001",
    "/env.yaml": "wg_port: 1002",
    [defaultConfigPath]: "wg_port: 1003",
  };
  const cases: [Partial<LoadDaemonConfigOptions>, string, number][] = [
    [{ path: "/flag.yaml", env: { JACO_CONFIG: "/env.yaml" } }, "/flag.yaml", 1001],
    [{ env: { JACO_CONFIG: "/env.yaml" } }, "/env.yaml", 1002],
    [{ env: { JACO_CONFIG: "" } }, defaultConfigPath, 1003],
    [{}, defaultConfigPath, 1003],
  ];
  for (const [extra, path, wgPort] of cases) {
    const options = loadOptions(files, extra);
    const loaded = await loadDaemonConfig(options);
    assert.equal(loaded.path, path);
    assert.deepEqual(options.reads, [path]);
    assert.equal(loaded.config.wgPort, wgPort);
    assert.equal(loaded.fileFound, true);
  }
});

Deno.test("loadDaemonConfig() runs on all defaults when the env or default file is missing", async () => {
  for (const env of [{}, { JACO_CONFIG: "/nowhere.yaml" }]) {
    const loaded = await loadDaemonConfig(loadOptions({}, { env }));
    assert.equal(loaded.fileFound, false);
    assert.deepEqual(loaded.config, parseDaemonConfig("", "defaults", { hostname: "host-a" }));
    assert.equal(loaded.config.acmeCa, letsEncryptProduction);
    assert.equal(loaded.logLevel, "info");
    assert.deepEqual(loaded.warnings, []);
  }
});

Deno.test("loadDaemonConfig() refuses a --config file that does not exist", async () => {
  await assert.rejects(loadDaemonConfig(loadOptions({}, { path: "/typo.yaml" })), (error) => {
    assert.ok(isJacoError(error));
    assert.equal(error.code, "validation_failed");
    assert.equal(error.message, 'config file "/typo.yaml" does not exist');
    assert.equal(error.details.field, "config");
    return true;
  });
});

Deno.test("loadDaemonConfig() names the file it read in validation errors", async () => {
  await assert.rejects(
    loadDaemonConfig(
      loadOptions({ "/env.yaml": "bogus: 1" }, { env: { JACO_CONFIG: "/env.yaml" } }),
    ),
    (error) => {
      assert.ok(isJacoError(error));
      assert.equal(error.details.source, "/env.yaml");
      assert.equal(error.details.field, "bogus");
      return true;
    },
  );
});

Deno.test("loadDaemonConfig() takes the log level from flag > JACO_LOG > log_level > info", async () => {
  const files = { [defaultConfigPath]: "log_level: error" };
  const cases: [Record<string, string>, Partial<LoadDaemonConfigOptions>, string][] = [
    [files, { logLevelFlag: "debug", env: { JACO_LOG: "warn" } }, "debug"],
    [files, { env: { JACO_LOG: "warn" } }, "warn"],
    [files, { env: { JACO_LOG: "DEBUG,scheduler=info" } }, "debug"],
    [files, {}, "error"],
    [{}, {}, "info"],
    [files, { logLevelFlag: "", env: { JACO_LOG: "" } }, "error"],
  ];
  for (const [fileSet, extra, level] of cases) {
    const loaded = await loadDaemonConfig(loadOptions(fileSet, extra));
    assert.equal(loaded.logLevel, level, JSON.stringify(extra));
    assert.equal(loaded.config.logLevel, Object.keys(fileSet).length > 0 ? "error" : "info");
  }
});

Deno.test("loadDaemonConfig() skips unrecognised flag/env levels with a warning each", async () => {
  const loaded = await loadDaemonConfig(
    loadOptions({ [defaultConfigPath]: "log_level: warn" }, {
      logLevelFlag: "verbose",
      env: { JACO_LOG: "loud" },
    }),
  );
  assert.equal(loaded.logLevel, "warn");
  assert.deepEqual(loaded.warnings, [
    '--log-level "verbose" is not a log level (debug, info, warn, error); ignored',
    'JACO_LOG "loud" is not a log level (debug, info, warn, error); ignored',
  ]);
  const fromEnv = await loadDaemonConfig(
    loadOptions({}, { logLevelFlag: "x", env: { JACO_LOG: "error" } }),
  );
  assert.equal(fromEnv.logLevel, "error");
  assert.equal(fromEnv.warnings.length, 1);
});
