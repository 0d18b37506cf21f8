import {stat} from "node:fs/promises";
import {isReasoningTemplate} from "../engine/formatR1Prompt.js";
import {ggufModelInfo, readGguf} from "../gguf/index.js";

/** What `/api/show` reports about a model without loading it. */
export interface ModelFacts {
    /** GGUF `general.architecture`. */
    architecture?: string;
    /** The trained context length. */
    contextLength?: number;
    /** Whether the chat template reasons (`<think>`), as the engine will decide once loaded. */
    reasoning: boolean;
}

/** Files whose facts are remembered (by path, size and date), so `/api/show` reads each header once. */
const MAX_CACHED = 64;
const cache = new Map<string, ModelFacts>();

/**
 * Reads a model's facts from its GGUF header (a prefix of the file; no tensor data). Returns
 * `undefined` when the file cannot be read, so callers fall back to what they know.
 */
export async function readModelFacts(path: string): Promise<ModelFacts | undefined> {
    try {
        const info = await stat(path);
        const key = `${path}\0${info.size}\0${info.mtimeMs}`;
        const known = cache.get(key);
        if (known !== undefined) return known;
        const model = ggufModelInfo(await readGguf(path));
        const facts: ModelFacts = {
            ...(model.architecture === undefined ? {} : {architecture: model.architecture}),
            ...(model.contextLength === undefined ? {} : {contextLength: model.contextLength}),
            reasoning: isReasoningTemplate(model.chatTemplate)
        };
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
        cache.set(key, facts);
        return facts;
    } catch {
        return undefined;
    }
}
