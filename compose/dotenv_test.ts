import assert from "node:assert/strict";
import { parseDotenv } from "./dotenv.ts";
import { isJacoError } from "../proto/errors.ts";

const cases: Array<[name: string, text: string, expected: Record<string, string>]> = [
  ["a plain assignment", "A=b", { A: "b" }],
  ["whitespace around = trimmed", "  A   =   b c  ", { A: "b c" }],
  ["comments and blank lines ignored", "# comment\n\n  # indented\nA=1\n\n", { A: "1" }],
  ["an empty value", "A=\nB=   ", { A: "", B: "" }],
  ["a leading export", "export A=1\nexport   B = 2", { A: "1", B: "2" }],
  ["an inline comment after whitespace stripped", "A=b # note\nB=c\t#x", { A: "b", B: "c" }],
  ["a # without whitespace kept", "URL=http://h/#frag", { URL: "http://h/#frag" }],
  ["= inside the value kept", "A=x=y==", { A: "x=y==" }],
  ["a double-quoted value", 'A="b c "', { A: "b c " }],
  ["double-quote escapes", 'A="l1\\nl2\\t\\"q\\" \\\\ \\$HOME"', { A: 'l1\nl2\t"q" \\ $HOME' }],
  ["a # inside double quotes kept", 'A="a # b" # comment', { A: "a # b" }],
  ["a single-quoted value literal", "A='$B \\n ${C}'", { A: "$B \\n ${C}" }],
  ["a multi-line double-quoted value", 'A="one\ntwo"\nB=3', { A: "one\ntwo", B: "3" }],
  ["a multi-line single-quoted value", "A='one\n  two'", { A: "one\n  two" }],
  ["back-references to earlier keys", "H=db\nU=${H}:5432/$H", { H: "db", U: "db:5432/db" }],
  ["back-references in double quotes", 'H=db\nU="pg://${H}"', { H: "db", U: "pg://db" }],
  ["an unknown reference empty", "A=x${NOPE}y", { A: "xy" }],
  ["no process-environment fallback", "A=${HOME}${PATH}", { A: "" }],
  ["a default for a missing key", "A=${B:-fallback}", { A: "fallback" }],
  ["a later key not visible to an earlier one", "A=${B}\nB=1", { A: "", B: "1" }],
  ["later duplicates winning", "A=1\nA=2", { A: "2" }],
  ["$$ as a literal dollar", "A=p$$w", { A: "p$w" }],
  ["CRLF line endings", "A=1\r\nB=2\r\n", { A: "1", B: "2" }],
  ["a leading BOM", "\uFEFFA=1", { A: "1" }],
  ["dots and dashes in keys", "a.b-c=1", { "a.b-c": "1" }],
];

for (const [name, text, expected] of cases) {
  Deno.test(`parseDotenv() handles ${name}`, () => {
    assert.deepEqual(parseDotenv(text), expected);
  });
}

const failures: Array<[name: string, text: string, message: string]> = [
  ["a line without =", "A=1\nJUSTKEY", 'line 2: missing "=" in "JUSTKEY"'],
  ["an invalid key", "\n1A=x", 'line 2: invalid variable name "1A"'],
  ["an empty key", "=x", 'line 1: invalid variable name ""'],
  ["an unterminated double quote", 'A=1\nB="abc\nC=2', "line 2: unterminated double-quoted value"],
  ["an unterminated single quote", "B='abc", "line 1: unterminated single-quoted value"],
  ["text after a closing quote", 'A="x" y', 'line 1: unexpected text "y" after closing quote'],
  [
    "a required reference missing",
    "A=${B:?set B}",
    "line 1: A: required variable B is missing a value: set B",
  ],
  ["a malformed reference", "A=1\nB=${A", 'line 2: B: invalid template: "${A"'],
];

for (const [name, text, message] of failures) {
  Deno.test(`parseDotenv() rejects ${name}, naming the line`, () => {
    assert.throws(() => parseDotenv(text), (error) => {
      assert.ok(isJacoError(error));
      assert.equal(error.code, "validation_failed");
      assert.equal(error.message, message);
      assert.equal(error.details.line, message.split(":")[0].replace("line ", ""));
      return true;
    });
  });
}
