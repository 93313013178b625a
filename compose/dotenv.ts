/**
 * The docker-compose dotenv format (manifests.md §1.7), used for the jaco.yaml
 * `environment:` file and for compose `env_file:` entries.
 *
 * Rules: one `KEY=value` per line, an optional leading `export `, whitespace
 * around `=` trimmed, `#` comment lines and blank lines ignored.
 * - `"double"` values may span lines and understand `\n \r \t \" \\ \$`; they
 *   expand `${OTHER}` / `$OTHER` like unquoted values.
 * - `'single'` values may span lines and are taken literally.
 * - Unquoted values run to the end of the line, minus a ` #…` comment (a `#`
 *   preceded by whitespace, as docker compose does; `a#b` keeps its `#`) and
 *   trailing whitespace.
 * References resolve only against keys defined earlier in the same file; an
 * unknown one becomes `""`. The process environment is never read. `$$` is a
 * literal `$` (same rule as the compose file).
 *
 * @module
 */

import { JacoError } from "../proto/errors.ts";
import { substituteVariables, TemplateError } from "./interpolate.ts";

const keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const escapes: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
  $: "$$",
};

function lineError(line: number, message: string): JacoError {
  return new JacoError("validation_failed", `line ${line}: ${message}`, { line: String(line) });
}

/**
 * Parses dotenv text into a map (later duplicates win).
 *
 * @throws {JacoError} `validation_failed`, message `line N: …` and details
 * `{line}`: a line without `=`, an invalid key, an unterminated quote, text
 * after a closing quote, or a bad `${…}` reference in a value
 * @example
 * ```ts
 * parseDotenv('HOST=db\nURL="postgres://${HOST}/app" # primary\n');
 * // { HOST: "db", URL: "postgres://db/app" }
 * ```
 */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lookup = (name: string) => Object.hasOwn(values, name) ? values[name] : undefined;
  const lines = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = lines[index].trimStart();
    if (line.trim() === "" || line.startsWith("#")) continue;
    const assignment = line.replace(/^export\s+/, "");
    const equals = assignment.indexOf("=");
    if (equals < 0) throw lineError(lineNumber, `missing "=" in ${JSON.stringify(line.trim())}`);
    const key = assignment.slice(0, equals).trim();
    if (!keyPattern.test(key)) {
      throw lineError(lineNumber, `invalid variable name ${JSON.stringify(key)}`);
    }
    const rest = assignment.slice(equals + 1).trimStart();
    const quote = rest[0];
    let raw: string;
    let expands = true;
    if (quote === '"' || quote === "'") {
      const quoted = readQuoted(lines, index, rest, lineNumber);
      index = quoted.lastIndex;
      raw = quote === '"' ? unescapeDouble(quoted.body) : quoted.body;
      expands = quote === '"';
    } else {
      raw = rest.replace(/\s#.*$/, "").trimEnd();
    }
    try {
      values[key] = expands ? substituteVariables(raw, lookup) : raw;
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw lineError(lineNumber, `${key}: ${error.message}`);
    }
  }
  return values;
}

/**
 * Reads a quoted value that starts at `rest` (on line `index`) and may continue
 * over following lines; returns its body and the index of its last line.
 */
function readQuoted(
  lines: string[],
  index: number,
  rest: string,
  lineNumber: number,
): { body: string; lastIndex: number } {
  const quote = rest[0];
  let text = rest.slice(1);
  let lastIndex = index;
  for (;;) {
    const close = closingQuote(text, quote);
    if (close >= 0) {
      const after = text.slice(close + 1).trim();
      if (after !== "" && !after.startsWith("#")) {
        throw lineError(
          lastIndex + 1,
          `unexpected text ${JSON.stringify(after)} after closing quote`,
        );
      }
      return { body: text.slice(0, close), lastIndex };
    }
    lastIndex++;
    if (lastIndex >= lines.length) {
      const kind = quote === '"' ? "double" : "single";
      throw lineError(lineNumber, `unterminated ${kind}-quoted value`);
    }
    text += "\n" + lines[lastIndex];
  }
}

/** Index of the closing quote in `text`; in double quotes `\"` does not close. */
function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/**
 * Resolves backslash escapes. `\$` becomes `$$` so the later `${…}` expansion
 * turns it into a literal `$` instead of a reference.
 */
function unescapeDouble(body: string): string {
  return body.replace(/\\([\s\S])/g, (match, c: string) => escapes[c] ?? match);
}
