import assert from "node:assert/strict";
import { shellWords, ShellWordsError } from "./_shell_words.ts";

Deno.test("shellWords() splits on whitespace and honours quotes and escapes", () => {
  assert.deepEqual(shellWords("  httpd -f  -p 80 "), ["httpd", "-f", "-p", "80"]);
  assert.deepEqual(shellWords(`sh -c 'echo "a b"; exit 1'`), ["sh", "-c", 'echo "a b"; exit 1']);
  assert.deepEqual(shellWords(`echo "x \\"y\\" \\\\" a\\ b ''`), ["echo", 'x "y" \\', "a b", ""]);
  assert.deepEqual(shellWords("echo $HOME"), ["echo", "$HOME"]);
});

Deno.test("shellWords() refuses unterminated quotes", () => {
  assert.throws(() => shellWords("echo 'x"), ShellWordsError);
  assert.throws(() => shellWords('echo "x'), ShellWordsError);
});
