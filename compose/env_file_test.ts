import assert from "node:assert/strict";
import { joinPath, parentDir, resolveEnvFiles } from "./env_file.ts";
import { isJacoError } from "../proto/errors.ts";

function reader(files: Record<string, string>) {
  const reads: string[] = [];
  const readFile = (path: string) => {
    reads.push(path);
    return Object.hasOwn(files, path) ? files[path] : undefined;
  };
  return { readFile, reads };
}

const options = (files: Record<string, string>) => ({
  ...reader(files),
  composeDir: "/srv/app",
  hasPath: true,
});

Deno.test("resolveEnvFiles() returns a document without env_file byte-for-byte", () => {
  const text = "services:\n  web:   # spacing kept\n    image: nginx\n";
  assert.equal(resolveEnvFiles(text, options({})), text);
});

Deno.test("resolveEnvFiles() folds a string env_file into sorted double-quoted environment", () => {
  const text =
    'services:\n  web:\n    image: nginx\n    env_file: web.env\n    ports: ["8080:80"]\n' +
    "  db:\n    image: postgres\n";
  const out = resolveEnvFiles(text, options({ "/srv/app/web.env": "ZED=1\nALPHA=a b\nPORT=80\n" }));
  assert.equal(
    out,
    "services:\n  web:\n    image: nginx\n    environment:\n" +
      '      ALPHA: "a b"\n      PORT: "80"\n      ZED: "1"\n    ports: ["8080:80"]\n' +
      "  db:\n    image: postgres\n",
  );
});

Deno.test("resolveEnvFiles() applies explicit environment > later file > earlier file", () => {
  const text = [
    "services:",
    "  api:",
    "    environment:",
    "      EXPLICIT: from-compose",
    "      BLANK:",
    "      NUM: 5",
    "    env_file:",
    "      - base.env",
    "      - ./override.env",
    "",
  ].join("\n");
  const files = {
    "/srv/app/base.env": "SHARED=base\nEXPLICIT=base\nBASE_ONLY=1\nBLANK=base\n",
    "/srv/app/override.env": "SHARED=override\n",
  };
  assert.equal(
    resolveEnvFiles(text, options(files)),
    [
      "services:",
      "  api:",
      "    environment:",
      '      BASE_ONLY: "1"',
      "      BLANK:",
      '      EXPLICIT: "from-compose"',
      '      NUM: "5"',
      '      SHARED: "override"',
      "",
    ].join("\n"),
  );
});

Deno.test("resolveEnvFiles() reads a list-form environment", () => {
  const text = "services:\n  a:\n    environment: [X=1, Y]\n    env_file: a.env\n";
  const out = resolveEnvFiles(text, options({ "/srv/app/a.env": "X=0\nY=file\nZ=z" }));
  assert.equal(out, 'services:\n  a:\n    environment:\n      X: "1"\n      Y:\n      Z: "z"\n');
});

Deno.test("resolveEnvFiles() accepts the long form and skips a missing optional file", () => {
  const text = "services:\n  a:\n    env_file:\n      - path: /etc/shared.env\n" +
    "      - path: missing.env\n        required: false\n";
  const { readFile, reads } = reader({ "/etc/shared.env": "S=1" });
  const out = resolveEnvFiles(text, { readFile, composeDir: "/srv/app", hasPath: true });
  assert.equal(out, 'services:\n  a:\n    environment:\n      S: "1"\n');
  assert.deepEqual(reads, ["/etc/shared.env", "/srv/app/missing.env"]);
});

Deno.test("resolveEnvFiles() resolves relative paths against a relative compose dir", () => {
  const text = "services:\n  a:\n    env_file: ../env/a.env\n";
  const { readFile, reads } = reader({ "deploy/env/a.env": "K=v" });
  resolveEnvFiles(text, { readFile, composeDir: "deploy/stack", hasPath: true });
  assert.deepEqual(reads, ["deploy/env/a.env"]);
});

Deno.test("resolveEnvFiles() refuses env_file when the compose document has no path", () => {
  const text = "services:\n  worker:\n    env_file: w.env\n";
  assert.throws(
    () => resolveEnvFiles(text, { readFile: () => "", composeDir: ".", hasPath: false }),
    (error) => {
      assert.ok(isJacoError(error));
      assert.equal(
        error.message,
        'service "worker" uses env_file but the compose document has no path on disk; ' +
          "env_file paths are relative to the compose file: pass --compose <path>",
      );
      assert.equal(error.details.service, "worker");
      return true;
    },
  );
});

const failures: Array<[name: string, envFile: string, files: Record<string, string>, msg: string]> =
  [
    [
      "a missing required file",
      "gone.env",
      {},
      'service "a": env_file /srv/app/gone.env: no such file',
    ],
    [
      "a file that is not dotenv",
      "bad.env",
      { "/srv/app/bad.env": "OK=1\nnot valid" },
      'service "a": env_file /srv/app/bad.env: line 2: missing "=" in "not valid"',
    ],
    [
      "an entry with an unknown key",
      "{path: a.env, format: raw}",
      {},
      'service "a": env_file entry has unsupported key "format"',
    ],
    [
      "an entry that is a number",
      "[5]",
      {},
      'service "a": env_file entry 5 must be a path or {path, required}',
    ],
    [
      "a non-boolean required",
      "{path: a.env, required: maybe}",
      {},
      'service "a": env_file "a.env" required must be a boolean',
    ],
  ];

for (const [name, envFile, files, message] of failures) {
  Deno.test(`resolveEnvFiles() rejects ${name}`, () => {
    const text = `services:\n  a:\n    env_file: ${envFile}\n`;
    assert.throws(() => resolveEnvFiles(text, options(files)), (error) => {
      assert.ok(isJacoError(error));
      assert.equal(error.code, "validation_failed");
      assert.equal(error.message, message);
      return true;
    });
  });
}

Deno.test("resolveEnvFiles() reports a reader failure other than not-found", () => {
  const readFile = () => {
    throw new Error("permission denied");
  };
  assert.throws(
    () =>
      resolveEnvFiles("services:\n  a:\n    env_file: x.env\n", {
        readFile,
        composeDir: "/d",
        hasPath: true,
      }),
    { message: 'service "a": env_file /d/x.env: permission denied' },
  );
});

const joins: Array<[dir: string, path: string, expected: string]> = [
  ["/srv/app", "a.env", "/srv/app/a.env"],
  ["/srv/app", "./a.env", "/srv/app/a.env"],
  ["/srv/app", "../x/a.env", "/srv/x/a.env"],
  ["/srv/app", "/etc/a.env", "/etc/a.env"],
  ["/", "../../a", "/a"],
  [".", "a.env", "a.env"],
  ["deploy", "../../a", "../a"],
  ["a/b", "..", "a"],
];
for (const [dir, path, expected] of joins) {
  Deno.test(`joinPath() joins ${dir} + ${path}`, () => assert.equal(joinPath(dir, path), expected));
}

const parents: Array<[path: string, expected: string]> = [
  ["/srv/app/jaco.yaml", "/srv/app"],
  ["jaco.yaml", "."],
  ["/jaco.yaml", "/"],
  ["a/b/", "a"],
];
for (const [path, expected] of parents) {
  Deno.test(`parentDir() of ${path}`, () => assert.equal(parentDir(path), expected));
}

Deno.test("resolveEnvFiles() folds an env_file inherited through a << merge, leaving the anchor", () => {
  const text = [
    "x-common: &common",
    "  image: app:1",
    "  env_file: common.env",
    "  restart: always",
    "services:",
    "  a:",
    "    <<: *common",
    '    restart: "no"',
    "  b:",
    "    image: other",
    "",
  ].join("\n");
  const out = resolveEnvFiles(text, options({ "/srv/app/common.env": "K=v" }));
  assert.equal(
    out,
    [
      "x-common: &common",
      "  image: app:1",
      "  env_file: common.env",
      "  restart: always",
      "services:",
      "  a:",
      '    restart: "no"',
      "    image: app:1",
      "    environment:",
      '      K: "v"',
      "  b:",
      "    image: other",
      "",
    ].join("\n"),
  );
});
