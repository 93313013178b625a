/**
 * JSON Schemas (draft 2020-12) of `jaco.yaml` and of the accepted compose
 * subset, generated from the same field tables the validator runs on, so
 * editors and CI linters see exactly JACO's closed sets.
 *
 * A schema can only express per-value shape: cross-field rules (route
 * conflicts, declared networks, depends_on targets, the privileged label …)
 * are enforced by {@link validateManifests} alone. Everything the validator
 * accepts is valid against these schemas.
 *
 * @module
 */

import { composeDocumentType } from "./_compose_fields.ts";
import { jacoManifestType } from "./_jaco_fields.ts";
import { type JsonSchema, toJsonSchema } from "./_type_schema.ts";

const draft = "https://json-schema.org/draft/2020-12/schema";

/** JSON Schema of `jaco.yaml` (optional keys may be `null`, read as absent). */
export const jacoManifestSchema: JsonSchema = {
  $schema: draft,
  $id: "https://jaco.dev/schemas/jaco.schema.json",
  title: "jaco.yaml",
  ...toJsonSchema(jacoManifestType, "JACO deployment overlay.", { nullableOptional: true }),
};

/** JSON Schema of the compose subset JACO accepts (closed service-field allowlist). */
export const composeSubsetSchema: JsonSchema = {
  $schema: draft,
  $id: "https://jaco.dev/schemas/compose-subset.schema.json",
  title: "compose (JACO subset)",
  ...toJsonSchema(composeDocumentType, "Compose document restricted to the fields JACO accepts."),
};
