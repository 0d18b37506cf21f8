import {ExitCode, R1Error} from "../util/R1Error.js";
import type {Variant} from "./types.js";
import {VARIANTS} from "./variants.js";

/** A model name that is neither a variant id nor an alias. */
export class UnknownVariantError extends R1Error {
    constructor(readonly modelName: string) {
        super(`unknown model "${modelName}"; valid: ${VARIANTS.map((v) => v.id).join(", ")}`,
            {exitCode: ExitCode.usage, hint: "aliases like deepseek-r1:14b work too"});
    }
}

/** Every variant r1 knows, smallest first. */
export function allVariants(): readonly Variant[] {
    return VARIANTS;
}

/**
 * A variant by id, display name or Ollama-style alias (case-insensitive); `undefined` when unknown.
 * Ids win: `deepseek-r1` is the 671B here, although Ollama's untagged `deepseek-r1` is the 8B
 * (`deepseek-r1:latest` keeps Ollama's meaning).
 */
export function findVariant(name: string): Variant | undefined {
    const n = name.trim().toLowerCase();
    return VARIANTS.find((v) => v.id === n) ?? VARIANTS.find((v) => v.name.toLowerCase() === n || v.aliases.includes(n));
}

/** Like {@link findVariant} but throws {@link UnknownVariantError} listing the valid names. */
export function requireVariant(name: string): Variant {
    const variant = findVariant(name);
    if (variant === undefined) throw new UnknownVariantError(name);
    return variant;
}
