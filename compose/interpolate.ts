/**
 * Compose-spec `${VAR}` interpolation (manifests.md §3.2), run by the CLI
 * before `jaco apply` sends the compose bytes. The source map is the jaco.yaml
 * `environment:` file only: the process environment is never consulted, so the
 * same files always yield the same bytes.
 *
 * @module
 */

import { isScalar, LineCounter, parseDocument, Scalar, visit } from "yaml";
import { JacoError } from "../proto/errors.ts";

/** Looks a variable up; `undefined` means unset (distinct from set-but-empty). */
export type VariableLookup = (name: string) => string | undefined;

/**
 * A malformed or unsatisfied reference inside one template string. Internal to
 * the compose preprocessing: callers turn it into a positioned JacoError.
 */
export class TemplateError extends Error {
  /** Offset of the reference's `$` inside the template. */
  readonly offset: number;
  /** The variable name, or the raw reference text when it has no valid name. */
  readonly variable: string;
  /** The reference exactly as written (`${VAR:?msg}`). */
  readonly reference: string;

  constructor(message: string, where: { offset: number; variable: string; reference: string }) {
    super(message);
    this.name = "TemplateError";
    this.offset = where.offset;
    this.variable = where.variable;
    this.reference = where.reference;
  }
}

/** Called once per plain reference (`$VAR`, `${VAR}`) to an unset variable. */
export type UnsetHandler = (unset: { variable: string; reference: string; offset: number }) => void;

const nameAt = /[_a-zA-Z][_a-zA-Z0-9]*/y;
const bracedBody = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?+])([\s\S]*))?$/;

/** Index of the `}` closing a `${` whose body starts at `start`, or -1. */
function closingBrace(template: string, start: number): number {
  let depth = 0;
  for (let i = start; i < template.length; i++) {
    const c = template[i];
    if (c === "$" && (template[i + 1] === "$" || template[i + 1] === "{")) {
      if (template[i + 1] === "{") depth++;
      i++;
    } else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/**
 * Expands every reference in one string: `$VAR`, `${VAR}`, `${VAR:-d}`,
 * `${VAR-d}`, `${VAR:?msg}`, `${VAR?msg}`, `${VAR:+a}`, `${VAR+a}`, `$$` → `$`.
 * Defaults and alternates nest (`${A:-${B}}`) and are expanded only when used.
 * A `$` not followed by `$`, `{` or a name start stays literal (compose does
 * the same), so `cost $5` survives.
 *
 * @throws {TemplateError} malformed reference (`invalid template …`) or a
 * required variable missing (`required variable X is missing a value: msg`)
 */
export function substituteVariables(
  template: string,
  lookup: VariableLookup,
  onUnset: UnsetHandler = () => {},
): string {
  return expand(template, 0, lookup, onUnset);
}

function expand(template: string, base: number, lookup: VariableLookup, onUnset: UnsetHandler) {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const next = template[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
    } else if (next === "{") {
      const end = closingBrace(template, dollar + 2);
      const reference = end < 0 ? template.slice(dollar) : template.slice(dollar, end + 1);
      if (end < 0) {
        throw new TemplateError(`invalid template: "${reference}"`, {
          offset: base + dollar,
          variable: reference,
          reference,
        });
      }
      out += braced(template.slice(dollar + 2, end), base + dollar, reference, lookup, onUnset);
      i = end + 1;
    } else {
      nameAt.lastIndex = dollar + 1;
      const name = nameAt.exec(template)?.[0];
      if (name === undefined) {
        out += "$";
        i = dollar + 1;
        continue;
      }
      const value = lookup(name);
      if (value === undefined) {
        onUnset({ variable: name, reference: "$" + name, offset: base + dollar });
      }
      out += value ?? "";
      i = dollar + 1 + name.length;
    }
  }
  return out;
}

function braced(
  body: string,
  offset: number,
  reference: string,
  lookup: VariableLookup,
  onUnset: UnsetHandler,
): string {
  const match = bracedBody.exec(body);
  if (!match) {
    throw new TemplateError(`invalid template: "${reference}"`, {
      offset,
      variable: reference,
      reference,
    });
  }
  const [, name, operator, argument = ""] = match;
  const value = lookup(name);
  const isSet = value !== undefined;
  const isNonEmpty = isSet && value !== "";
  const argumentBase = offset + 2 + name.length + (operator?.length ?? 0);
  const expandArgument = () => expand(argument, argumentBase, lookup, onUnset);
  const missing = () => {
    const suffix = argument === "" ? "" : `: ${argument}`;
    return new TemplateError(`required variable ${name} is missing a value${suffix}`, {
      offset,
      variable: name,
      reference,
    });
  };
  switch (operator) {
    case undefined:
      if (!isSet) onUnset({ variable: name, reference, offset });
      return value ?? "";
    case ":-":
      return isNonEmpty ? value : expandArgument();
    case "-":
      return isSet ? value : expandArgument();
    case ":?":
      if (!isNonEmpty) throw missing();
      return value;
    case "?":
      if (!isSet) throw missing();
      return value;
    case ":+":
      return isNonEmpty ? expandArgument() : "";
    default: // "+": the regex admits no other operator
      return isSet ? expandArgument() : "";
  }
}

/** A variable referenced without a default while unset; it became `""`. */
export interface InterpolationWarning {
  variable: string;
  line: number;
  col: number;
  /** `interpolate ${VAR} at line N col M: variable VAR is not set; using an empty string` */
  message: string;
}

/** Result of {@link interpolate}: the compose text to send, plus warnings. */
export interface InterpolationResult {
  text: string;
  warnings: InterpolationWarning[];
}

/**
 * Interpolates every scalar and mapping key of a compose document with `env`
 * (manifests.md §3.2). A document with no `$` — or whose scalars all come out
 * unchanged — is returned byte-for-byte; otherwise the YAML is re-emitted with
 * comments and key order kept (2-space indent). An unquoted scalar whose result
 * reads as a number, boolean or null (`replicas: ${N}`) is emitted unquoted, so
 * it keeps the type it would have had if written literally.
 *
 * @throws {JacoError} `validation_failed` with details `{variable, line, col}`
 * for a malformed reference or a missing required variable, e.g.
 * `interpolate ${TAG} at line 3 col 12: required variable TAG is missing a value: set TAG`;
 * `validation_failed` (`parse compose yaml: …`) when the YAML does not parse
 * @example
 * ```ts
 * const { text } = interpolate("image: app:${TAG:-latest}\n", {});
 * // text === "image: app:latest\n"
 * ```
 */
export function interpolate(text: string, env: Record<string, string>): InterpolationResult {
  const warnings: InterpolationWarning[] = [];
  if (!text.includes("$")) return { text, warnings };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    throw new JacoError("validation_failed", `parse compose yaml: ${doc.errors[0].message}`);
  }
  const lookup: VariableLookup = (name) => Object.hasOwn(env, name) ? env[name] : undefined;
  let changed = false;
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== "string" || !node.value.includes("$")) return;
      const original = node.value;
      const locate = (offset: number, reference: string) =>
        lineCounter.linePos(sourceOffset(text, node, original, offset, reference));
      let result: string;
      try {
        result = substituteVariables(original, lookup, (unset) => {
          const { line, col } = locate(unset.offset, unset.reference);
          warnings.push({
            variable: unset.variable,
            line,
            col,
            message: `interpolate \${${unset.variable}} at line ${line} col ${col}: ` +
              `variable ${unset.variable} is not set; using an empty string`,
          });
        });
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        const { line, col } = locate(error.offset, error.reference);
        const shown = error.variable === error.reference
          ? error.reference
          : `\${${error.variable}}`;
        throw new JacoError(
          "validation_failed",
          `interpolate ${shown} at line ${line} col ${col}: ${error.message}`,
          { variable: error.variable, line: String(line), col: String(col) },
        );
      }
      if (result === original) return;
      changed = true;
      node.value = result;
      if (key !== "key" && node.type === Scalar.PLAIN) adoptPlainType(node, result);
    },
  });
  if (!changed) return { text, warnings };
  const output = doc.toString({ indent: 2, flowCollectionPadding: false });
  // A substituted mapping key can collide with a sibling (`${A}: 1` next to `B: 2`, A=B);
  // catch it here, with the variable's doing in the message, rather than at the daemon.
  const reparsed = parseDocument(output, { prettyErrors: false });
  if (reparsed.errors.length > 0) {
    throw new JacoError(
      "validation_failed",
      `interpolation produced invalid YAML: ${reparsed.errors[0].message}`,
    );
  }
  return { text: output, warnings };
}

/**
 * Where, in the source text, the reference at `offset` of the scalar's value
 * sits. Exact when the reference appears verbatim in the scalar's source (plain
 * and quoted scalars without escapes inside it); otherwise the scalar's start.
 */
function sourceOffset(
  text: string,
  node: Scalar,
  value: string,
  offset: number,
  reference: string,
): number {
  const [start, end] = node.range ?? [0, 0];
  const source = text.slice(start, end);
  let nth = 0;
  for (
    let at = value.indexOf(reference);
    at >= 0 && at < offset;
    at = value.indexOf(reference, at + 1)
  ) {
    nth++;
  }
  let found = source.indexOf(reference);
  for (; nth > 0 && found >= 0; nth--) found = source.indexOf(reference, found + 1);
  return start + (found >= 0 ? found : 0);
}

/** Gives an unquoted scalar the type its new text has in YAML (`3` → int). */
function adoptPlainType(node: Scalar, result: string): void {
  if (result === "" || /[\n#]/.test(result)) return;
  const parsed = parseDocument(result);
  if (parsed.errors.length > 0 || !isScalar(parsed.contents)) return;
  const typed = parsed.contents;
  if (typeof typed.value === "string") return;
  node.value = typed.value;
  node.format = typed.format;
  node.minFractionDigits = typed.minFractionDigits;
  node.source = typed.source;
}
