import assert from "node:assert/strict";
import { discoverComposePath, prepareComposeForApply } from "./preprocess.ts";
import { isJacoError } from "../proto/errors.ts";

const files: Record<string, string> = {
  "/srv/shop/stack.env": "TAG=1.4\nDB_HOST=db\nDB_URL=postgres://${DB_HOST}/shop\n",
  "/srv/shop/api.env": "LOG=debug\nDB_URL=from-env-file\n",
};
const readFile = (path: string) => Object.hasOwn(files, path) ? files[path] : undefined;

const compose = [
  "services:",
  "  api:",
  "    image: shop/api:${TAG:-latest} # api image",
  "    env_file: api.env",
  "    environment:",
  "      DB_URL: ${DB_URL}",
  "  web:",
  "    image: shop/web:${WEB_TAG:-stable}",
  "",
].join("\n");

Deno.test("prepareComposeForApply() loads the environment file, interpolates, then folds env_file", () => {
  const result = prepareComposeForApply({
    jacoText: "deployment: shop\nenvironment: stack.env\n",
    jacoPath: "/srv/shop/jaco.yaml",
    composeText: compose,
    composePath: "/srv/shop/compose.yml",
    readFile,
  });
  assert.deepEqual(result.warnings, []);
  assert.equal(
    result.composeText,
    [
      "services:",
      "  api:",
      "    image: shop/api:1.4 # api image",
      "    environment:",
      '      DB_URL: "postgres://db/shop"',
      '      LOG: "debug"',
      "  web:",
      "    image: shop/web:stable",
      "",
    ].join("\n"),
  );
});

Deno.test("prepareComposeForApply() uses an empty map without environment:", () => {
  const result = prepareComposeForApply({
    jacoText: "deployment: shop\n",
    jacoPath: "/srv/shop/jaco.yaml",
    composeText: "services:\n  a:\n    image: x:${TAG}\n",
    composePath: "/srv/shop/compose.yml",
    readFile,
  });
  assert.equal(result.composeText, 'services:\n  a:\n    image: "x:"\n');
  assert.equal(result.warnings[0].variable, "TAG");
});

Deno.test("prepareComposeForApply() passes a document without $ or env_file through unchanged", () => {
  const text = "services:\n  a:   {image: nginx}   # odd\n";
  const result = prepareComposeForApply({
    jacoText: "deployment: x\n",
    jacoPath: "jaco.yaml",
    composeText: text,
    composePath: "compose.yml",
    readFile,
  });
  assert.equal(result.composeText, text);
});

const failures: Array<
  [
    name: string,
    jaco: string,
    composeText: string,
    path: string | undefined,
    code: string,
    message: string,
  ]
> = [
  [
    "an unparsable jaco.yaml",
    "deployment: [",
    "services: {}\n",
    "/srv/shop/compose.yml",
    "parse_failed",
    "parse /srv/shop/jaco.yaml: ",
  ],
  [
    "a non-string environment",
    "environment: [a]\n",
    "services: {}\n",
    "/srv/shop/compose.yml",
    "validation_failed",
    'environment must be a path string, got ["a"]',
  ],
  [
    "a missing environment file",
    "environment: ../nope.env\n",
    "services: {}\n",
    "/srv/shop/compose.yml",
    "validation_failed",
    "load environment file /srv/nope.env: no such file",
  ],
  [
    "a failed interpolation",
    "environment: stack.env\n",
    "services:\n  a:\n    image: x:${NEED:?set NEED}\n",
    "/srv/shop/compose.yml",
    "validation_failed",
    "interpolate /srv/shop/compose.yml: interpolate ${NEED} at line 3 col 14: required variable NEED is missing a value: set NEED",
  ],
  [
    "a missing env_file",
    "deployment: x\n",
    "services:\n  a:\n    env_file: gone.env\n",
    "/srv/shop/compose.yml",
    "validation_failed",
    'resolve env_file in /srv/shop/compose.yml: service "a": env_file /srv/shop/gone.env: no such file',
  ],
  [
    "env_file in a document read from stdin",
    "deployment: x\n",
    "services:\n  a:\n    env_file: a.env\n",
    undefined,
    "validation_failed",
    'resolve env_file in <stdin>: service "a" uses env_file but the compose document has no path on disk',
  ],
];

for (const [name, jacoText, composeText, composePath, code, message] of failures) {
  Deno.test(`prepareComposeForApply() fails on ${name}`, () => {
    assert.throws(
      () =>
        prepareComposeForApply({
          jacoText,
          jacoPath: "/srv/shop/jaco.yaml",
          composeText,
          composePath,
          readFile,
        }),
      (error) => {
        assert.ok(isJacoError(error));
        assert.equal(error.code, code);
        assert.ok(error.message.startsWith(message), error.message);
        return true;
      },
    );
  });
}

Deno.test("prepareComposeForApply() keeps the inner error's details when prefixing", () => {
  assert.throws(
    () =>
      prepareComposeForApply({
        jacoText: "deployment: x\n",
        jacoPath: "/j/jaco.yaml",
        composeText: "a: ${X?}\n",
        composePath: "/j/compose.yml",
        readFile,
      }),
    (error) => isJacoError(error) && error.details.variable === "X" && error.details.line === "1",
  );
});

Deno.test("discoverComposePath() prefers --compose, then compose.yml … docker-compose.yaml", () => {
  const present = new Set(["/a/compose.yaml", "/a/docker-compose.yml", "/b/docker-compose.yaml"]);
  const exists = (p: string) => present.has(p);
  assert.equal(discoverComposePath("/a/jaco.yaml", exists, "x.yml"), "x.yml");
  assert.equal(discoverComposePath("/a/jaco.yaml", exists), "/a/compose.yaml");
  assert.equal(discoverComposePath("/b/jaco.yaml", exists), "/b/docker-compose.yaml");
  assert.equal(discoverComposePath("/c/jaco.yaml", exists), undefined);
  assert.equal(discoverComposePath("jaco.yaml", (p) => p === "compose.yml"), "compose.yml");
});
