import path from "node:path";
import {resolveModelName} from "../catalog/index.js";
import {InvalidModelNameError} from "./errors/InvalidModelNameError.js";
import {isHfReference, parseHfReference} from "./parseModelReference.js";
import {splitModelParts} from "./splitModelParts.js";
import {validateModelName, validateStoredFileName} from "./modelNames.js";

/** What a pull downloads, before the hub has been asked anything. */
export interface PullSource {
    /** Store name: the catalog's canonical `<id>:<QUANT>`, or `hf:OWNER/REPO/FILE.gguf`. */
    name: string;
    /** `hf:OWNER/REPO/FILE.gguf` of the first file. */
    source: string;
    repo: string;
    /** Paths in the repository, parts in order. */
    files: string[];
    quant?: string;
    catalogId?: string;
    /** What the user typed, when it differs from `name`. */
    requestedAs?: string;
}

const QUANT_IN_NAME = /(?:^|[-_.])((?:UD-)?(?:I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32|TQ\d_\d))(?:-\d{5}-of-\d{5})?\.gguf$/i;

/** The quant a GGUF file name advertises (`…-Q4_K_M.gguf` → `Q4_K_M`), when it does. */
export function quantFromFileName(file: string): string | undefined {
    return QUANT_IN_NAME.exec(path.posix.basename(file))?.[1]?.toUpperCase();
}

/**
 * Turns what the user typed into a store name and the files to fetch: `hf:OWNER/REPO/FILE.gguf`
 * (any part of a split model brings all parts) or a catalog name (`deepseek-r1:14b`,
 * `deepseek-r1-distill-qwen-14b:q6_k`), which the catalog maps to its repository and files.
 * Throws the catalog's `UnknownVariantError` / `UnknownQuantError` for names it does not know.
 */
export function resolvePullSource(input: string): PullSource {
    const trimmed = input.trim();
    let result: PullSource;
    if (isHfReference(trimmed)) {
        const reference = parseHfReference(trimmed);
        const files = splitModelParts(reference.file);
        const name = `hf:${reference.repo}/${files[0]}`;
        result = {name, source: name, repo: reference.repo, files, quant: quantFromFileName(reference.file)};
    } else {
        const resolved = resolveModelName(trimmed);
        result = {
            name: resolved.canonicalName, source: `hf:${resolved.repo}/${resolved.files[0]}`, repo: resolved.repo,
            files: [...resolved.files], quant: resolved.quant, catalogId: resolved.variant.id
        };
    }
    validateModelName(result.name);
    for (const file of result.files) validateStoredFileName(path.posix.basename(file));
    if (new Set(result.files.map((file) => path.posix.basename(file))).size !== result.files.length)
        throw new InvalidModelNameError(result.name, "two of its files share a name");
    if (result.name !== trimmed) result.requestedAs = trimmed;
    return result;
}
