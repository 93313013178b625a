/**
 * A tiny JSON Schema (draft 2020-12 subset) checker for tests: just the
 * keywords {@link toJsonSchema} emits. It exists so tests can check the
 * published schemas against documents without a schema library dependency.
 *
 * @module
 */

type Schema = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array);
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    default:
      throw new Error(`schema uses unsupported type ${type}`);
  }
}

const known = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "properties",
  "patternProperties",
  "additionalProperties",
  "required",
  "propertyNames",
  "items",
  "anyOf",
]);

/** Errors of `value` against `schema` (empty when valid), each prefixed with its JSON path. */
export function schemaErrors(schema: Schema, value: unknown, path = "$"): string[] {
  for (const key of Object.keys(schema)) {
    if (!known.has(key)) throw new Error(`schema uses unsupported keyword ${key} at ${path}`);
  }
  if (schema.anyOf) {
    const variants = schema.anyOf as Schema[];
    if (!variants.some((v) => schemaErrors(v, value, path).length === 0)) {
      return [`${path}: matches no anyOf variant`];
    }
  }
  if (typeof schema.type === "string" && !typeMatches(schema.type, value)) {
    return [`${path}: not of type ${schema.type}`];
  }
  const errors: string[] = [];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) {
    errors.push(`${path}: not in enum`);
  }
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern as string).test(value)) {
      errors.push(`${path}: does not match ${schema.pattern}`);
    }
    if (schema.minLength !== undefined && value.length < (schema.minLength as number)) {
      errors.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (schema.maxLength !== undefined && value.length > (schema.maxLength as number)) {
      errors.push(`${path}: longer than ${schema.maxLength}`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < (schema.minimum as number)) {
      errors.push(`${path}: below ${schema.minimum}`);
    }
    if (schema.maximum !== undefined && value > (schema.maximum as number)) {
      errors.push(`${path}: above ${schema.maximum}`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) =>
      errors.push(...schemaErrors(schema.items as Schema, item, `${path}[${i}]`))
    );
  }
  if (isObject(value)) errors.push(...objectErrors(schema, value, path));
  return errors;
}

function objectErrors(schema: Schema, value: Record<string, unknown>, path: string): string[] {
  const errors: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>);
  for (const key of (schema.required ?? []) as string[]) {
    if (!Object.hasOwn(value, key)) errors.push(`${path}: missing ${key}`);
  }
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}.${key}`;
    const names = schema.propertyNames as Schema | undefined;
    if (names) errors.push(...schemaErrors(names, key, `${at} (name)`));
    let matched = false;
    if (Object.hasOwn(properties, key)) {
      matched = true;
      errors.push(...schemaErrors(properties[key], item, at));
    }
    for (const [pattern, sub] of patterns) {
      if (!new RegExp(pattern).test(key)) continue;
      matched = true;
      errors.push(...schemaErrors(sub, item, at));
    }
    if (matched) continue;
    const additional = schema.additionalProperties;
    if (additional === false) errors.push(`${at}: additional property not allowed`);
    else if (isObject(additional)) errors.push(...schemaErrors(additional, item, at));
  }
  return errors;
}
