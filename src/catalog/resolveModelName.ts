import {findQuantOption} from "./quantOptions.js";
import {findVariant, UnknownVariantError} from "./findVariant.js";
import type {Variant} from "./types.js";
import {variantDownload} from "./variantDownload.js";
import {UnknownQuantError, variantFileSize} from "./variantFileSize.js";

/** The quant an alias or bare id means, as Ollama's `deepseek-r1:14b` does. */
export const DEFAULT_QUANT = "Q4_K_M";

export interface ResolvedModel {
    readonly variant: Variant;
    /** Canonical quant name (`Q4_K_M`, `UD-IQ1_S`). */
    readonly quant: string;
    /** Hugging Face repo. */
    readonly repo: string;
    /** Files in the repo, parts in order. */
    readonly files: readonly string[];
    /** Computed size of the whole file (all parts), bytes. */
    readonly sizeBytes: number;
    /** `<id>:<quant>`, the canonical name r1 stores it under. */
    readonly canonicalName: string;
}

/**
 * Resolves what a user typed into a variant, a quant and where to download it. Accepts
 * `deepseek-r1-distill-qwen-14b`, `deepseek-r1-distill-qwen-14b:Q8_0`, `deepseek-r1:14b`
 * (Q4_K_M), `deepseek-r1:14b:q8_0`, Ollama's `deepseek-r1:14b-qwen-distill-q8_0` and
 * `DeepSeek-R1-Distill-Qwen-14B-Q8_0` (a file stem). Throws `UnknownVariantError` or
 * `UnknownQuantError`, each listing the valid names.
 */
export function resolveModelName(name: string): ResolvedModel {
    const trimmed = name.trim().replace(/\.gguf$/i, "");
    const {variant, quant} = split(trimmed);
    const option = findQuantOption(quant);
    if (option === undefined || !variant.quants.includes(option.name)) throw new UnknownQuantError(quant, variant.quants);
    const size = variantFileSize(variant, option.name);
    const download = variantDownload(variant, option.name, size);
    return {
        variant, quant: option.name, repo: download.repo, files: download.files, sizeBytes: size.totalBytes,
        canonicalName: `${variant.id}:${option.name}`
    };
}

function split(name: string): {variant: Variant, quant: string} {
    const whole = findVariant(name);
    if (whole !== undefined) return {variant: whole, quant: DEFAULT_QUANT};
    // `<variant>:<quant>` (the variant part may itself contain a colon: deepseek-r1:14b:q8_0).
    const colon = name.lastIndexOf(":");
    const colonHead = colon > 0 ? findVariant(name.slice(0, colon)) : undefined;
    // `deepseek-r1:15b` is a size that does not exist, not a quant called "15b".
    if (colonHead !== undefined && /^\d+(?:\.\d+)?b$/i.test(name.slice(colon + 1))) throw new UnknownVariantError(name);
    if (colonHead !== undefined && findQuantOption(name.slice(colon + 1)) !== undefined) return {variant: colonHead, quant: name.slice(colon + 1)};
    // `<variant>-<quant>`: Ollama tags (`deepseek-r1:14b-qwen-distill-q8_0`) and file stems.
    for (let i = name.length - 1; i > 0; i--) {
        if (name[i] !== "-") continue;
        const head = findVariant(name.slice(0, i));
        if (head !== undefined && findQuantOption(name.slice(i + 1)) !== undefined) return {variant: head, quant: name.slice(i + 1)};
    }
    // A known variant with an unknown quant: say which quants exist.
    if (colonHead !== undefined) return {variant: colonHead, quant: name.slice(colon + 1)};
    throw new UnknownVariantError(name);
}
