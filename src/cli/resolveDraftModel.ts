import {findVariant} from "../catalog/index.js";

/** The small model that drafts for the larger ones: same Qwen2.5 tokenizer as the 7B, 14B and 32B distills. */
export const DRAFT_VARIANT = "deepseek-r1-distill-qwen-1.5b";
/** Which pulled quant of the draft to use first: the draft must be fast, and Q4_K_M loses little. */
const DRAFT_QUANT_PREFERENCE = ["Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "Q3_K_M", "Q4_K_S", "IQ4_XS", "Q2_K"];

/**
 * The draft variant `--draft auto` pairs with a model: R1-Distill-Qwen-1.5B for the other Qwen2.5
 * distills (speculative decoding needs the same vocabulary; the Llama distills, the Qwen3-based
 * 0528 distill and the 671B have no smaller sibling that shares theirs). `undefined` otherwise.
 */
export function draftVariantFor(catalogId: string | undefined): string | undefined {
    if (catalogId === undefined || catalogId === DRAFT_VARIANT) return undefined;
    const variant = findVariant(catalogId);
    if (variant === undefined || !variant.distilled || variant.architecture.arch !== "qwen2") return undefined;
    return DRAFT_VARIANT;
}

/** What `--draft auto` decided: a store name to load, or why there is no draft. */
export type DraftChoice = {readonly name: string, readonly note: string} | {readonly name?: undefined, readonly note: string};

/**
 * `--draft auto` over the pulled models (`complete` store entries, by name `id:QUANT`): the
 * paired draft variant in the preferred quant, else any pulled quant of it, else no draft with a
 * note saying how to get one. Pure.
 */
export function pickAutoDraft(catalogId: string | undefined, pulled: readonly string[]): DraftChoice {
    const draft = draftVariantFor(catalogId);
    if (draft === undefined)
        return {note: `--draft auto: no draft model pairs with ${catalogId ?? "this file"} (only the Qwen distills 7B/14B/32B have one); running without`};
    const quants = pulled.filter((name) => name.startsWith(`${draft}:`)).map((name) => name.slice(draft.length + 1));
    if (quants.length === 0)
        return {note: `--draft auto: ${draft} is not pulled, so no draft model is used (r1 pull deepseek-r1:1.5b to add one)`};
    const rank = (quant: string) => {
        const index = DRAFT_QUANT_PREFERENCE.indexOf(quant.toUpperCase());
        return index < 0 ? DRAFT_QUANT_PREFERENCE.length : index;
    };
    const quant = [...quants].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0]!;
    return {name: `${draft}:${quant}`, note: `--draft auto: drafting with ${draft}:${quant} (speculative decoding in llama-server)`};
}

export interface ResolveDraftOptions {
    /** Store names of the pulled, complete models. */
    readonly pulled: readonly string[];
    /** Resolves a model name or path to its file (the store's `resolveModelPath`). */
    readonly resolvePath: (nameOrPath: string) => Promise<string>;
}

/**
 * The draft model file for `--draft MODEL|auto`: `auto` pairs as `pickAutoDraft` says (and may
 * give none, with a note); any other value is a model name or path, resolved like the main
 * model (a missing one is the store's one-line error).
 */
export async function resolveDraftModel(draft: string, mainCatalogId: string | undefined, options: ResolveDraftOptions): Promise<{path?: string, note?: string}> {
    if (draft.trim().toLowerCase() !== "auto") return {path: await options.resolvePath(draft)};
    const choice = pickAutoDraft(mainCatalogId, options.pulled);
    if (choice.name === undefined) return {note: choice.note};
    return {path: await options.resolvePath(choice.name), note: choice.note};
}
