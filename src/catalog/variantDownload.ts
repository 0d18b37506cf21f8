import type {Variant} from "./types.js";
import type {VariantFileSize} from "./variantFileSize.js";

/** Where a variant × quant is published. */
export interface VariantDownload {
    /** Hugging Face repo, `owner/name`. */
    readonly repo: string;
    /** Paths inside the repo; several for split files (`…-00001-of-00003.gguf`), in part order. */
    readonly files: readonly string[];
    /** Whether the part count was read from the repo (true) or computed from the size (false). */
    readonly partsConfirmed: boolean;
}

/**
 * Unsloth and bartowski split big files into parts of at most ~50 GB (llama-gguf-split
 * `--split-max-size 50G`); observed parts are 47–49.8 GB.
 */
const SPLIT_PART_BYTES = 50e9;

/**
 * Repo and file names of a variant's GGUF in `quant`, following the published layouts
 * (../shared/reference/r1-family.md §4): unsloth `<stem>-<QUANT>.gguf` for single files, a folder
 * per quant with `-0000i-of-0000n` parts for split ones (R1-0528's folders omit the stem).
 */
export function variantDownload(variant: Variant, quant: string, size: VariantFileSize): VariantDownload {
    const d = variant.downloads;
    const useAlt = d.altRepo !== undefined && (d.altQuants ?? []).includes(quant);
    const repo = useAlt ? d.altRepo! : d.repo;
    const known = d.knownParts?.[quant];
    const parts = known ?? Math.max(1, Math.ceil(size.totalBytes / SPLIT_PART_BYTES));
    const base = `${d.stem}-${quant}`;
    if (parts === 1 && (d.layout === "single" || quant.startsWith("UD-TQ"))) return {repo, files: [`${base}.gguf`], partsConfirmed: true};
    const folder = d.bareFolders === true ? quant : base;
    const files: string[] = [];
    const of = String(parts).padStart(5, "0");
    for (let i = 1; i <= parts; i++) files.push(`${folder}/${base}-${String(i).padStart(5, "0")}-of-${of}.gguf`);
    return {repo, files, partsConfirmed: known !== undefined || parts === 1};
}
