/**
 * A small type language for manifest fields. One table of {@link FieldDef}s
 * per document drives three things, so they cannot drift apart: the
 * structural check of decoded YAML ({@link checkValue}), the rules that read
 * constraints (enums, bounds, patterns) from the same definitions, and the
 * published JSON Schema ({@link toJsonSchema}).
 *
 * @module
 */

/** What a value may be. Constraints (`enum`, `pattern`, bounds) are part of the type. */
export type TypeDef =
  | {
    readonly kind: "string";
    readonly enum?: readonly string[];
    readonly pattern?: RegExp;
    readonly minLength?: number;
    readonly maxLength?: number;
    /** How the expected value is described in messages (overrides the default). */
    readonly expected?: string;
  }
  | { readonly kind: "integer"; readonly minimum?: number; readonly maximum?: number }
  | { readonly kind: "number"; readonly minimum?: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "null" }
  | { readonly kind: "any" }
  | { readonly kind: "list"; readonly items: TypeDef }
  | { readonly kind: "map"; readonly values: TypeDef; readonly keyPattern?: RegExp }
  | {
    readonly kind: "record";
    readonly fields: Readonly<Record<string, FieldDef>>;
    /** Accept (and ignore) compose extension keys `x-*`. */
    readonly extensions?: boolean;
  }
  | { readonly kind: "oneOf"; readonly variants: readonly TypeDef[]; readonly expected?: string };

/** One named field of a record: its type and the documentation the schema carries. */
export interface FieldDef {
  readonly type: TypeDef;
  readonly doc: string;
  readonly required?: boolean;
}

/** Builders keep the field tables short. */
export const t = {
  string: (c: Omit<Extract<TypeDef, { kind: "string" }>, "kind"> = {}): TypeDef => ({
    kind: "string",
    ...c,
  }),
  integer: (minimum?: number, maximum?: number): TypeDef => ({ kind: "integer", minimum, maximum }),
  number: (minimum?: number): TypeDef => ({ kind: "number", minimum }),
  boolean: { kind: "boolean" } as TypeDef,
  null: { kind: "null" } as TypeDef,
  any: { kind: "any" } as TypeDef,
  list: (items: TypeDef): TypeDef => ({ kind: "list", items }),
  map: (values: TypeDef, keyPattern?: RegExp): TypeDef => ({ kind: "map", values, keyPattern }),
  record: (fields: Record<string, FieldDef>, extensions = false): TypeDef => ({
    kind: "record",
    fields,
    extensions,
  }),
  oneOf: (variants: TypeDef[], expected?: string): TypeDef => ({
    kind: "oneOf",
    variants,
    expected,
  }),
  nullable: (type: TypeDef): TypeDef => ({ kind: "oneOf", variants: [{ kind: "null" }, type] }),
};

/** Why a value does not fit its type. `path` is dotted (`routes[1].domian`). */
export interface TypeProblem {
  readonly kind: "unknown_key" | "type";
  readonly path: string;
  /** For `unknown_key`: the offending key. */
  readonly key?: string;
  /** For `unknown_key`: the record's allowed keys. */
  readonly allowed?: readonly string[];
  /** For `type`: what was expected, in words. */
  readonly expected?: string;
  readonly value: unknown;
}

/** How {@link checkValue} walks. */
export interface CheckOptions {
  /** Dotted path of the value, prefixed to problem paths. Default `""`. */
  readonly path?: string;
  /** Check constraints (enum, pattern, bounds) too, not only kinds. Default true. */
  readonly constraints?: boolean;
  /** Visit record keys sorted (compose determinism) instead of in document order. */
  readonly sortKeys?: boolean;
  /** Treat `null` like an absent field wherever a field is not explicitly nullable. */
  readonly nullIsAbsent?: boolean;
}

/** Deeper than this is refused outright: no manifest nests so far, and it bounds recursion. */
export const maxDepth = 64;

/** Appends a key or index to a dotted path. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** True for a plain mapping decoded from YAML (not a list, not binary data). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Short rendering of a value's kind and content for messages: `string "x"`, `list`, `number 1.5`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (isMapping(value)) return "mapping";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  return "binary data";
}

/** Describes what a type accepts, for messages (`an integer >= 0`, `one of: a, b`). */
export function describeType(type: TypeDef, constraints = true): string {
  switch (type.kind) {
    case "string":
      if (type.expected && constraints) return type.expected;
      if (type.enum && constraints) return `one of: ${type.enum.join(", ")}`;
      return "a string";
    case "integer":
      if (!constraints) return "an integer";
      if (type.minimum !== undefined && type.maximum !== undefined) {
        return `an integer between ${type.minimum} and ${type.maximum}`;
      }
      if (type.minimum !== undefined) return `an integer >= ${type.minimum}`;
      return "an integer";
    case "number":
      return constraints && type.minimum !== undefined ? `a number >= ${type.minimum}` : "a number";
    case "boolean":
      return "a boolean";
    case "null":
      return "null";
    case "any":
      return "any value";
    case "list":
      return "a list";
    case "map":
    case "record":
      return "a mapping";
    case "oneOf":
      return type.expected ??
        type.variants.filter((v) => v.kind !== "null").map((v) => describeType(v, constraints))
          .join(" or ");
  }
}

/** Whether a value's JS kind matches a type's kind, ignoring constraints and contents. */
function kindMatches(type: TypeDef, value: unknown): boolean {
  switch (type.kind) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null || value === undefined;
    case "any":
      return true;
    case "list":
      return Array.isArray(value);
    case "map":
    case "record":
      return isMapping(value);
    case "oneOf":
      return type.variants.some((v) => kindMatches(v, value));
  }
}

function constraintProblem(type: TypeDef, value: unknown): boolean {
  if (type.kind === "string" && typeof value === "string") {
    if (type.enum && !type.enum.includes(value)) return true;
    if (type.pattern && !type.pattern.test(value)) return true;
    if (type.minLength !== undefined && value.length < type.minLength) return true;
    if (type.maxLength !== undefined && value.length > type.maxLength) return true;
  }
  if ((type.kind === "integer" || type.kind === "number") && typeof value === "number") {
    if (type.minimum !== undefined && value < type.minimum) return true;
    if (type.kind === "integer" && type.maximum !== undefined && value > type.maximum) return true;
  }
  return false;
}

/**
 * Checks `value` against `type`, returning the first problem (in key order,
 * depth first) or `undefined`. Never throws on any decoded YAML value.
 */
export function checkValue(
  value: unknown,
  type: TypeDef,
  options: CheckOptions = {},
): TypeProblem | undefined {
  return check(value, type, options.path ?? "", options, 0);
}

function check(
  value: unknown,
  type: TypeDef,
  path: string,
  options: CheckOptions,
  depth: number,
): TypeProblem | undefined {
  const constraints = options.constraints ?? true;
  const mismatch = (): TypeProblem => ({
    kind: "type",
    path,
    expected: describeType(type, constraints),
    value,
  });
  if (depth > maxDepth) return { kind: "type", path, expected: "less deeply nested data", value };
  if (type.kind === "oneOf") {
    const candidates = type.variants.filter((v) => kindMatches(v, value));
    if (candidates.length === 0) return mismatch();
    let first: TypeProblem | undefined;
    for (const variant of candidates) {
      const problem = check(value, variant, path, options, depth);
      if (!problem) return undefined;
      first ??= problem;
    }
    // One candidate with a deeper problem: that one is precise. Otherwise say what would fit.
    return candidates.length === 1 && first!.path !== path ? first : mismatch();
  }
  if (!kindMatches(type, value)) return mismatch();
  if (constraints && constraintProblem(type, value)) return mismatch();
  if (type.kind === "list") {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const problem = check(items[i], type.items, joinPath(path, i), options, depth + 1);
      if (problem) return problem;
    }
  } else if (type.kind === "map") {
    const map = value as Record<string, unknown>;
    const keys = options.sortKeys ? Object.keys(map).sort() : Object.keys(map);
    for (const key of keys) {
      if (constraints && type.keyPattern && !type.keyPattern.test(key)) {
        return {
          kind: "type",
          path: joinPath(path, key),
          expected: `a key matching ${type.keyPattern.source}`,
          value: key,
        };
      }
      const problem = check(map[key], type.values, joinPath(path, key), options, depth + 1);
      if (problem) return problem;
    }
  } else if (type.kind === "record") {
    return checkRecord(value as Record<string, unknown>, type, path, options, depth);
  }
  return undefined;
}

function checkRecord(
  map: Record<string, unknown>,
  type: Extract<TypeDef, { kind: "record" }>,
  path: string,
  options: CheckOptions,
  depth: number,
): TypeProblem | undefined {
  const keys = options.sortKeys ? Object.keys(map).sort() : Object.keys(map);
  for (const key of keys) {
    if (type.extensions && key.startsWith("x-")) continue;
    if (!Object.hasOwn(type.fields, key)) {
      return {
        kind: "unknown_key",
        path: joinPath(path, key),
        key,
        allowed: Object.keys(type.fields),
        value: map[key],
      };
    }
    const field = map[key];
    if (options.nullIsAbsent && (field === null || field === undefined)) continue;
    const problem = check(field, type.fields[key].type, joinPath(path, key), options, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
