import assert from "node:assert/strict";
import { interpolate, substituteVariables, TemplateError } from "./interpolate.ts";
import { isJacoError } from "../proto/errors.ts";

const env = { SET: "value", EMPTY: "", OTHER: "other" };
const lookup = (name: string) =>
  Object.hasOwn(env, name) ? env[name as keyof typeof env] : undefined;

const forms: Array<[template: string, expected: string]> = [
  ["$SET", "value"],
  ["${SET}", "value"],
  ["pre-${SET}-post", "pre-value-post"],
  ["$SET.suffix", "value.suffix"],
  ["${UNSET}", ""],
  ["${EMPTY:-d}", "d"],
  ["${EMPTY-d}", ""],
  ["${UNSET:-d}", "d"],
  ["${UNSET-d}", "d"],
  ["${SET:-d}", "value"],
  ["${SET:+alt}", "alt"],
  ["${EMPTY:+alt}", ""],
  ["${EMPTY+alt}", "alt"],
  ["${UNSET+alt}", ""],
  ["${UNSET:+alt}", ""],
  ["${SET:?boom}", "value"],
  ["${EMPTY?boom}", ""],
  ["$$", "$"],
  ["$$SET", "$SET"],
  ["$${SET}", "${SET}"],
  ["${UNSET:-${OTHER}}", "other"],
  ["${UNSET:-${ALSO_UNSET:-deep}}", "deep"],
  ["${UNSET:-a}${SET}", "avalue"],
  ["${UNSET:-with space and :colon}", "with space and :colon"],
  ["${SET:-${UNSET:?never evaluated}}", "value"],
  ["cost $5", "cost $5"],
  ["trailing $", "trailing $"],
  ["no references", "no references"],
];

for (const [template, expected] of forms) {
  Deno.test(`substituteVariables() expands ${JSON.stringify(template)}`, () => {
    assert.equal(substituteVariables(template, lookup), expected);
  });
}

const failures: Array<[template: string, message: string, variable: string]> = [
  ["${UNSET:?set it}", "required variable UNSET is missing a value: set it", "UNSET"],
  ["${EMPTY:?set it}", "required variable EMPTY is missing a value: set it", "EMPTY"],
  ["${UNSET?}", "required variable UNSET is missing a value", "UNSET"],
  ["${}", 'invalid template: "${}"', "${}"],
  ["${1A}", 'invalid template: "${1A}"', "${1A}"],
  ["${A B}", 'invalid template: "${A B}"', "${A B}"],
  ["${A", 'invalid template: "${A"', "${A"],
  ["${A:-${B}", 'invalid template: "${A:-${B}"', "${A:-${B}"],
  ["${A*x}", 'invalid template: "${A*x}"', "${A*x}"],
];

for (const [template, message, variable] of failures) {
  Deno.test(`substituteVariables() rejects ${JSON.stringify(template)}`, () => {
    assert.throws(() => substituteVariables(template, lookup), (error) => {
      assert.ok(error instanceof TemplateError);
      assert.equal(error.message, message);
      assert.equal(error.variable, variable);
      return true;
    });
  });
}

Deno.test("substituteVariables() reports each unset plain reference once, with its offset", () => {
  const seen: Array<[string, number]> = [];
  substituteVariables("a $X ${Y} ${Z:-d} ${SET}", lookup, (u) => seen.push([u.variable, u.offset]));
  assert.deepEqual(seen, [["X", 2], ["Y", 5]]);
});

Deno.test("substituteVariables() offsets errors in a nested default from the template start", () => {
  assert.throws(
    () => substituteVariables("ab${UNSET:-${MISSING:?no}}", lookup),
    (error) => error instanceof TemplateError && error.offset === 11,
  );
});

Deno.test("interpolate() returns a document without $ byte-for-byte", () => {
  const text = "services:\n  web:   # odd spacing kept\n    image: 'nginx'\n";
  assert.equal(interpolate(text, { A: "b" }).text, text);
});

Deno.test("interpolate() returns the original bytes when no scalar changes", () => {
  const text = "# price in $\nservices:\n  web:\n    image:   nginx\n    command: echo $ 5\n";
  assert.equal(interpolate(text, {}).text, text);
});

Deno.test("interpolate() substitutes values and mapping keys, keeping comments and order", () => {
  const text = [
    "# deployment stack",
    "services:",
    "  web:",
    '    image: "registry/web:${TAG}" # pinned',
    "    environment:",
    "      ${PREFIX}_MODE: ${MODE:-prod}",
    "  db:",
    "    image: postgres",
    "",
  ].join("\n");
  const { text: out, warnings } = interpolate(text, { TAG: "1.2", PREFIX: "APP" });
  assert.deepEqual(warnings, []);
  assert.equal(
    out,
    [
      "# deployment stack",
      "services:",
      "  web:",
      '    image: "registry/web:1.2" # pinned',
      "    environment:",
      "      APP_MODE: prod",
      "  db:",
      "    image: postgres",
      "",
    ].join("\n"),
  );
});

Deno.test("interpolate() keeps $$ as a literal dollar", () => {
  const { text } = interpolate("x:\n  command: echo $$HOME\n", {});
  assert.equal(text, "x:\n  command: echo $HOME\n");
});

Deno.test("interpolate() gives an unquoted scalar the type of its result", () => {
  const { text } = interpolate(
    "a: ${N}\nb: ${F}\nc: ${T}\nd: '${N}'\ne: ${S}\n",
    { N: "3", F: "1.10", T: "true", S: "x: y" },
  );
  assert.equal(text, "a: 3\nb: 1.10\nc: true\nd: '3'\ne: \"x: y\"\n");
});

Deno.test("interpolate() never falls back to the process environment", () => {
  const { text, warnings } = interpolate("a: x${HOME}y\n", {});
  assert.equal(text, "a: xy\n");
  assert.equal(warnings.length, 1);
});

Deno.test("interpolate() warns about unset variables with their position", () => {
  const { text, warnings } = interpolate("svc:\n  image: app:${TAG}\n  user: $WHO\n", {});
  assert.equal(text, 'svc:\n  image: "app:"\n  user: ""\n');
  assert.deepEqual(warnings.map((w) => [w.variable, w.line, w.col]), [["TAG", 2, 14], [
    "WHO",
    3,
    9,
  ]]);
  assert.equal(
    warnings[0].message,
    "interpolate ${TAG} at line 2 col 14: variable TAG is not set; using an empty string",
  );
});

Deno.test("interpolate() fails a required variable with its position and details", () => {
  const text = "services:\n  web:\n    image: app:${TAG:?pass a tag}\n";
  assert.throws(() => interpolate(text, {}), (error) => {
    assert.ok(isJacoError(error));
    assert.equal(error.code, "validation_failed");
    assert.equal(
      error.message,
      "interpolate ${TAG} at line 3 col 16: required variable TAG is missing a value: pass a tag",
    );
    assert.deepEqual(error.details, { variable: "TAG", line: "3", col: "16" });
    return true;
  });
});

Deno.test("interpolate() fails a malformed reference as an invalid template", () => {
  assert.throws(() => interpolate("a:\n  - b ${X:-y\n", {}), (error) => {
    assert.ok(isJacoError(error));
    assert.equal(error.message, 'interpolate ${X:-y at line 2 col 7: invalid template: "${X:-y"');
    return true;
  });
});

Deno.test("interpolate() positions the second of two identical references correctly", () => {
  assert.throws(
    () => interpolate("a: ${OK} ${OK} ${NO:?x}\n", { OK: "1" }),
    (error) => isJacoError(error) && error.details.col === "16",
  );
});

Deno.test("interpolate() rejects YAML that does not parse", () => {
  assert.throws(
    () => interpolate("a: ${X}\n b: [\n", {}),
    (error) => isJacoError(error) && error.message.startsWith("parse compose yaml: "),
  );
});

Deno.test("interpolate() expands block scalars too", () => {
  const { text } = interpolate("cmd: |\n  run ${ARG}\n  echo $$PATH\n", { ARG: "--fast" });
  assert.equal(text, "cmd: |\n  run --fast\n  echo $PATH\n");
});

Deno.test("interpolate() rejects a substituted key that duplicates a sibling", () => {
  assert.throws(
    () => interpolate("env:\n  ${A}: 1\n  B: 2\n", { A: "B" }),
    (error) =>
      isJacoError(error) && error.message.startsWith("interpolation produced invalid YAML: ") &&
      /unique/.test(error.message),
  );
});
