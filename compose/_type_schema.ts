/**
 * Renders the field-table type language ({@link TypeDef}) as JSON Schema
 * (draft 2020-12), so the published schemas come from the same definitions
 * the validator checks.
 *
 * @module
 */

import type { TypeDef } from "./_types.ts";

/** A JSON Schema (draft 2020-12) fragment. */
export type JsonSchema = Record<string, unknown>;

/** How {@link toJsonSchema} renders. */
export interface SchemaOptions {
  /** Optional record fields also accept `null` (documents decoded with `nullIsAbsent`). */
  readonly nullableOptional?: boolean;
}

/**
 * Renders a type as JSON Schema (draft 2020-12). `oneOf` becomes `anyOf`
 * because variants may overlap (an integer is also a number).
 */
export function toJsonSchema(type: TypeDef, doc?: string, options: SchemaOptions = {}): JsonSchema {
  const schema = schemaOf(type, options);
  return doc ? { description: doc, ...schema } : schema;
}

function schemaOf(type: TypeDef, options: SchemaOptions): JsonSchema {
  switch (type.kind) {
    case "string":
      return dropUndefined({
        type: "string",
        enum: type.enum ? [...type.enum] : undefined,
        pattern: type.pattern?.source,
        minLength: type.minLength,
        maxLength: type.maxLength,
      });
    case "integer":
      return dropUndefined({ type: "integer", minimum: type.minimum, maximum: type.maximum });
    case "number":
      return dropUndefined({ type: "number", minimum: type.minimum });
    case "boolean":
      return { type: "boolean" };
    case "null":
      return { type: "null" };
    case "any":
      return {};
    case "list":
      return { type: "array", items: schemaOf(type.items, options) };
    case "map":
      return dropUndefined({
        type: "object",
        propertyNames: type.keyPattern ? { pattern: type.keyPattern.source } : undefined,
        additionalProperties: schemaOf(type.values, options),
      });
    case "record": {
      const properties: Record<string, JsonSchema> = {};
      for (const [name, field] of Object.entries(type.fields)) {
        const schema = toJsonSchema(field.type, undefined, options);
        properties[name] = {
          description: field.doc,
          ...(options.nullableOptional && !field.required
            ? { anyOf: [{ type: "null" }, schema] }
            : schema),
        };
      }
      const required = Object.entries(type.fields).filter(([, f]) => f.required).map(([n]) => n);
      return dropUndefined({
        type: "object",
        properties,
        patternProperties: type.extensions ? { "^x-": {} } : undefined,
        required: required.length > 0 ? required : undefined,
        additionalProperties: false,
      });
    }
    case "oneOf":
      return { anyOf: type.variants.map((variant) => schemaOf(variant, options)) };
  }
}

function dropUndefined(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}
