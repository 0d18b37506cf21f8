import {resolveModelName} from "../catalog/index.js";
import type {ModelStore} from "./ModelStore.js";
import {isHfReference, parseHfReference} from "./parseModelReference.js";
import {splitModelParts} from "./splitModelParts.js";

/**
 * The store name under which `input` is kept, complete or not: the name itself, the first-part
 * name of an `hf:` split model, or the catalog's canonical name of an alias (`deepseek-r1:14b`).
 * `undefined` when nothing of it is in the store.
 */
export async function findStoredModelName(store: ModelStore, input: string): Promise<string | undefined> {
    const candidates: string[] = [];
    const trimmed = input.trim();
    if (isHfReference(trimmed)) {
        try {
            const reference = parseHfReference(trimmed);
            candidates.push(`hf:${reference.repo}/${splitModelParts(reference.file)[0]}`);
        } catch {
            // not a valid reference: fall through to the raw name
        }
    }
    candidates.push(trimmed);
    try {
        candidates.push(resolveModelName(trimmed).canonicalName);
    } catch {
        // not a catalog name
    }
    for (const candidate of candidates) {
        try {
            if (await store.inspect(candidate) !== undefined) return candidate;
        } catch {
            // invalid as a store name
        }
    }
    return undefined;
}
