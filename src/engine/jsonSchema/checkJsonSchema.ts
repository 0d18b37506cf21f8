import {UnsupportedOptionError} from "../errors.js";
import type {JsonSchema} from "../types.js";

/** Largest schema accepted, as JSON text: a grammar is built from it on every request. */
export const MAX_SCHEMA_BYTES = 64 * 1024;
/** Deepest nesting of subschemas: the grammar generator and the validator recurse over it. */
export const MAX_SCHEMA_DEPTH = 16;
/** Most subschemas in one schema (properties, items, alternatives, definitions together). */
export const MAX_SCHEMA_NODES = 2000;

/** Keywords that only describe: accepted and dropped (they constrain nothing). */
const ANNOTATIONS = new Set(["title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly", "strict"]);
const PRIMITIVES = new Set(["string", "number", "integer", "boolean", "null"]);
const STRING_FORMATS = new Set(["date-time", "time", "date"]);
/** Keywords each kind of schema may carry, beyond the annotations and `type`. */
const KEYWORDS: Record<string, Set<string>> = {
    string: new Set(["minLength", "maxLength", "format"]),
    object: new Set(["properties", "required", "additionalProperties", "minProperties", "maxProperties"]),
    array: new Set(["items", "prefixItems", "minItems", "maxItems"]),
    primitive: new Set()
};

/**
 * Checks a JSON Schema from a request against the subset r1's grammars can enforce (node-llama-cpp's
 * JSON-schema grammar: types, `enum`, `const`, `anyOf`/`oneOf`, objects with `properties` /
 * `required` / `additionalProperties`, arrays with `items` / `prefixItems` / item counts, string
 * lengths and the date/time formats, `$ref` into `$defs`/`definitions`) and returns it normalised
 * for the grammar (`anyOf` → `oneOf`, `definitions` → `$defs`, annotations dropped, an object
 * without `properties` open to any keys). Anything else throws `UnsupportedOptionError` naming the
 * feature and where it is, so a client learns why instead of getting an unconstrained answer.
 *
 * @param option how the caller names the schema in errors, e.g. `tools[0].parameters`.
 */
export function checkJsonSchema(schema: unknown, option: string): JsonSchema {
    const text = JSON.stringify(schema) ?? "";
    if (Buffer.byteLength(text) > MAX_SCHEMA_BYTES)
        throw new UnsupportedOptionError(option, `the schema is ${Buffer.byteLength(text)} bytes; at most ${MAX_SCHEMA_BYTES} are accepted (MAX_SCHEMA_BYTES)`);
    if (!isObject(schema)) throw new UnsupportedOptionError(option, "a schema must be a JSON object");
    const state = {nodes: 0, defs: new Set<string>(), refs: [] as {ref: string, at: string}[]};
    const root = {...schema};
    // Definitions are checked first so `$ref`s can be resolved against their names.
    const defsIn = {...(isObject(root.$defs) ? root.$defs : {}), ...(isObject(root.definitions) ? root.definitions : {})};
    for (const key of ["$defs", "definitions"]) if (key in root && !isObject(root[key])) throw new UnsupportedOptionError(`${option}.${key}`, "must be an object of schemas");
    delete root.$defs;
    delete root.definitions;
    for (const name of Object.keys(defsIn)) state.defs.add(name);
    const defs: Record<string, JsonSchema> = {};
    for (const [name, def] of Object.entries(defsIn)) defs[name] = normalise(def, `${option}.$defs.${name}`, 1, state);
    const out = normalise(root, option, 0, state);
    for (const {ref, at} of state.refs) {
        const name = ref.replace(/^#\/(\$defs|definitions)\//, "");
        if (!state.defs.has(name)) throw new UnsupportedOptionError(at, `$ref "${ref}" names no definition in $defs`);
    }
    if (Object.keys(defs).length > 0) out.$defs = defs;
    return out;
}

interface State {
    nodes: number;
    defs: Set<string>;
    refs: {ref: string, at: string}[];
}

function normalise(schema: unknown, at: string, depth: number, state: State): JsonSchema {
    if (++state.nodes > MAX_SCHEMA_NODES) throw new UnsupportedOptionError(at, `the schema has more than ${MAX_SCHEMA_NODES} subschemas (MAX_SCHEMA_NODES)`);
    if (depth > MAX_SCHEMA_DEPTH) throw new UnsupportedOptionError(at, `the schema nests deeper than ${MAX_SCHEMA_DEPTH} levels (MAX_SCHEMA_DEPTH)`);
    if (schema === true) return anyJson();
    if (!isObject(schema)) throw new UnsupportedOptionError(at, "a subschema must be a JSON object");
    const keys = Object.keys(schema).filter((key) => !ANNOTATIONS.has(key));
    const described = typeof schema.description === "string" ? {description: schema.description} : {};

    if ("$ref" in schema) {
        const ref = schema.$ref;
        if (typeof ref !== "string" || !/^#\/(\$defs|definitions)\/[^/]+$/.test(ref))
            throw new UnsupportedOptionError(`${at}.$ref`, `only references into "#/$defs/…" are supported, not ${JSON.stringify(ref)}`);
        rejectOthers(keys, ["$ref"], at);
        state.refs.push({ref, at});
        return {$ref: ref.replace("#/definitions/", "#/$defs/"), ...described};
    }
    if ("allOf" in schema) {
        const all = schema.allOf;
        if (!Array.isArray(all) || all.length !== 1) throw new UnsupportedOptionError(`${at}.allOf`, "allOf is supported only with a single subschema");
        rejectOthers(keys, ["allOf"], at);
        return normalise(all[0], `${at}.allOf[0]`, depth + 1, state);
    }
    for (const key of ["anyOf", "oneOf"] as const) {
        if (!(key in schema)) continue;
        const alternatives = schema[key];
        if (!Array.isArray(alternatives) || alternatives.length === 0) throw new UnsupportedOptionError(`${at}.${key}`, "must be a non-empty array of schemas");
        rejectOthers(keys, [key], at);
        return {oneOf: alternatives.map((alt, i) => normalise(alt, `${at}.${key}[${i}]`, depth + 1, state)), ...described};
    }
    if ("const" in schema) {
        rejectOthers(keys, ["const", "type"], at);
        if (!isPrimitive(schema.const)) throw new UnsupportedOptionError(`${at}.const`, "only a string, number, boolean or null const is supported");
        return {const: schema.const as string, ...described};
    }
    if ("enum" in schema) {
        rejectOthers(keys, ["enum", "type"], at);
        if (!Array.isArray(schema.enum) || schema.enum.length === 0 || !schema.enum.every(isPrimitive))
            throw new UnsupportedOptionError(`${at}.enum`, "only a non-empty list of strings, numbers, booleans or null is supported");
        return {enum: schema.enum, ...described};
    }

    let type = schema.type;
    if (type === undefined) {
        if ("properties" in schema || "additionalProperties" in schema || "required" in schema) type = "object";
        else if ("items" in schema || "prefixItems" in schema) type = "array";
        else if (keys.length === 0) return anyJson();
        else throw new UnsupportedOptionError(`${at}.${keys[0]}`, `"${keys[0]}" is not a supported JSON Schema keyword here (give a "type")`);
    }
    if (Array.isArray(type)) {
        if (type.length === 0 || !type.every((t) => typeof t === "string" && PRIMITIVES.has(t)))
            throw new UnsupportedOptionError(`${at}.type`, "a list of types may only hold string, number, integer, boolean and null; use anyOf for objects and arrays");
        rejectOthers(keys, ["type"], at);
        return {type, ...described};
    }
    if (typeof type !== "string") throw new UnsupportedOptionError(`${at}.type`, "must be a type name");
    if (type === "object") return normaliseObject(schema, keys, at, depth, state, described);
    if (type === "array") {
        rejectOthers(keys, ["type", ...KEYWORDS.array!], at);
        const out: JsonSchema = {type: "array", ...described};
        if ("items" in schema && schema.items !== true) out.items = normalise(schema.items, `${at}.items`, depth + 1, state);
        if ("prefixItems" in schema) {
            if (!Array.isArray(schema.prefixItems)) throw new UnsupportedOptionError(`${at}.prefixItems`, "must be an array of schemas");
            out.prefixItems = schema.prefixItems.map((item, i) => normalise(item, `${at}.prefixItems[${i}]`, depth + 1, state));
        }
        copyCounts(schema, out, ["minItems", "maxItems"], at);
        return out;
    }
    if (type === "string") {
        rejectOthers(keys, ["type", ...KEYWORDS.string!], at);
        if ("format" in schema) {
            if (typeof schema.format !== "string" || !STRING_FORMATS.has(schema.format))
                throw new UnsupportedOptionError(`${at}.format`, `string format ${JSON.stringify(schema.format)} is not supported (only date-time, date and time)`);
            if ("minLength" in schema || "maxLength" in schema) throw new UnsupportedOptionError(`${at}.format`, "a string format cannot be combined with minLength/maxLength");
            return {type: "string", format: schema.format, ...described};
        }
        const out: JsonSchema = {type: "string", ...described};
        copyCounts(schema, out, ["minLength", "maxLength"], at);
        return out;
    }
    if (PRIMITIVES.has(type)) {
        rejectOthers(keys, ["type"], at);
        return {type, ...described};
    }
    throw new UnsupportedOptionError(`${at}.type`, `unknown type ${JSON.stringify(type)}`);
}

function normaliseObject(schema: Record<string, unknown>, keys: string[], at: string, depth: number, state: State, described: object): JsonSchema {
    rejectOthers(keys, ["type", ...KEYWORDS.object!], at);
    const out: JsonSchema = {type: "object", ...described};
    if ("properties" in schema) {
        if (!isObject(schema.properties)) throw new UnsupportedOptionError(`${at}.properties`, "must be an object of schemas");
        const properties: Record<string, JsonSchema> = {};
        for (const [name, property] of Object.entries(schema.properties)) properties[name] = normalise(property, `${at}.properties.${name}`, depth + 1, state);
        out.properties = properties;
    }
    if ("required" in schema) {
        const required = schema.required;
        if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) throw new UnsupportedOptionError(`${at}.required`, "must be a list of property names");
        const known = isObject(schema.properties) ? schema.properties : {};
        const missing = required.find((name) => !(name in known));
        if (missing !== undefined) throw new UnsupportedOptionError(`${at}.required`, `"${missing}" is required but not among the properties`);
        out.required = required;
    }
    const additional = schema.additionalProperties;
    if (additional === true || (additional === undefined && !("properties" in schema))) out.additionalProperties = true;
    else if (additional === false || additional === undefined) out.additionalProperties = false;
    else out.additionalProperties = normalise(additional, `${at}.additionalProperties`, depth + 1, state);
    copyCounts(schema, out, ["minProperties", "maxProperties"], at);
    return out;
}

function rejectOthers(keys: string[], allowed: Iterable<string>, at: string): void {
    const ok = new Set(allowed);
    const extra = keys.find((key) => !ok.has(key));
    if (extra !== undefined) throw new UnsupportedOptionError(`${at}.${extra}`, `JSON Schema keyword "${extra}" is not supported here`);
}

function copyCounts(schema: Record<string, unknown>, out: JsonSchema, names: string[], at: string): void {
    for (const name of names) {
        if (!(name in schema)) continue;
        const value = schema[name];
        if (!(typeof value === "number" && Number.isInteger(value) && value >= 0)) throw new UnsupportedOptionError(`${at}.${name}`, "must be a non-negative integer");
        out[name] = value;
    }
}

/** Any JSON value: what `{}` and `true` admit. */
function anyJson(): JsonSchema {
    return {oneOf: [{type: ["string", "number", "boolean", "null"]}, {type: "object", additionalProperties: true}, {type: "array"}]};
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): boolean {
    return value === null || ["string", "number", "boolean"].includes(typeof value);
}
