import type {JsonSchema} from "../types.js";

/**
 * Validates a parsed JSON value against a schema normalised by `checkJsonSchema`. Returns the
 * first problem as a sentence with its JSON path (`$.city: expected a string`), or `undefined`
 * when the value is valid. Pure, so every engine checks a grammar's output the same way.
 */
export function validateJson(value: unknown, schema: JsonSchema, path = "$", defs: Record<string, JsonSchema> = {}): string | undefined {
    const scopeDefs = isObject(schema.$defs) ? {...defs, ...(schema.$defs as Record<string, JsonSchema>)} : defs;
    if (typeof schema.$ref === "string") {
        const target = scopeDefs[schema.$ref.replace("#/$defs/", "")];
        return target === undefined ? `${path}: unresolved ${schema.$ref}` : validateJson(value, target, path, scopeDefs);
    }
    if (Array.isArray(schema.oneOf)) {
        const problems = (schema.oneOf as JsonSchema[]).map((alt) => validateJson(value, alt, path, scopeDefs));
        return problems.some((p) => p === undefined) ? undefined : problems[0];
    }
    if ("const" in schema) return value === schema.const ? undefined : `${path}: expected ${JSON.stringify(schema.const)}`;
    if (Array.isArray(schema.enum)) return schema.enum.includes(value) ? undefined : `${path}: expected one of ${JSON.stringify(schema.enum)}`;
    const types = Array.isArray(schema.type) ? schema.type as string[] : typeof schema.type === "string" ? [schema.type] : [];
    if (types.length === 0) return undefined;
    const actual = typeOf(value);
    if (!types.some((t) => t === actual || (t === "number" && actual === "integer")))
        return `${path}: expected ${types.join(" or ")}, got ${actual}`;
    if (actual === "string") {
        const text = value as string;
        const length = [...text].length;
        if (typeof schema.minLength === "number" && length < schema.minLength) return `${path}: shorter than ${schema.minLength}`;
        if (typeof schema.maxLength === "number" && length > schema.maxLength) return `${path}: longer than ${schema.maxLength}`;
        if (typeof schema.format === "string" && !FORMATS[schema.format]?.test(text)) return `${path}: not a ${schema.format}`;
    }
    if (actual === "array") {
        const items = value as unknown[];
        if (typeof schema.minItems === "number" && items.length < schema.minItems) return `${path}: fewer than ${schema.minItems} items`;
        if (typeof schema.maxItems === "number" && items.length > schema.maxItems) return `${path}: more than ${schema.maxItems} items`;
        const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems as JsonSchema[] : [];
        for (let i = 0; i < items.length; i++) {
            const itemSchema = i < prefix.length ? prefix[i] : isObject(schema.items) ? schema.items as JsonSchema : undefined;
            const problem = itemSchema === undefined ? undefined : validateJson(items[i], itemSchema, `${path}[${i}]`, scopeDefs);
            if (problem !== undefined) return problem;
        }
    }
    if (actual === "object") {
        const object = value as Record<string, unknown>;
        const properties = isObject(schema.properties) ? schema.properties as Record<string, JsonSchema> : {};
        const required = Array.isArray(schema.required) ? schema.required as string[] : [];
        for (const name of required) if (!(name in object)) return `${path}: missing required property "${name}"`;
        const count = Object.keys(object).length;
        if (typeof schema.minProperties === "number" && count < schema.minProperties) return `${path}: fewer than ${schema.minProperties} properties`;
        if (typeof schema.maxProperties === "number" && count > schema.maxProperties) return `${path}: more than ${schema.maxProperties} properties`;
        for (const [name, item] of Object.entries(object)) {
            const propertySchema = properties[name];
            const at = `${path}.${name}`;
            if (propertySchema !== undefined) {
                const problem = validateJson(item, propertySchema, at, scopeDefs);
                if (problem !== undefined) return problem;
            } else if (schema.additionalProperties === false) {
                return `${path}: unexpected property "${name}"`;
            } else if (isObject(schema.additionalProperties)) {
                const problem = validateJson(item, schema.additionalProperties as JsonSchema, at, scopeDefs);
                if (problem !== undefined) return problem;
            }
        }
    }
    return undefined;
}

const FORMATS: Record<string, RegExp> = {
    "date": /^\d{4}-\d{2}-\d{2}$/,
    "time": /^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/,
    "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/
};

function typeOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
