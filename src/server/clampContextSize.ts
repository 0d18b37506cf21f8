import {ggufModelInfo, readGguf} from "../gguf/index.js";

/**
 * A client's context size (`num_ctx`) capped at the model's trained context, as Ollama caps it:
 * a larger one buys nothing but memory and, for a model that never ends its turn, a reply that
 * runs until that larger context is full. Unchanged when the file does not say.
 */
export async function clampContextSize(path: string, requested: number): Promise<number> {
    let trained: number | undefined;
    try {
        trained = ggufModelInfo(await readGguf(path)).contextLength;
    } catch {
        // Unreadable here: the loader reports the real problem.
        return requested;
    }
    return trained !== undefined && trained > 0 && requested > trained ? trained : requested;
}
