// What llama-quantize makes of an imatrix file (tools/quantize/quantize.cpp `load_imatrix`,
// `prepare_imatrix`; src/llama-quant.cpp): per-column mean squared activations, filtered by
// --include-weights / --exclude-weights, and the metadata keys it writes into the output.
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {ImatrixFileError, readImatrix, type ImportanceMatrix} from "./readImatrix.js";

const f = Math.fround;

export interface ImatrixSelection {
    /** Keep only entries whose name contains one of these (llama-quantize `--include-weights`). Defaults to all. */
    readonly include?: readonly string[];
    /** Drop entries whose name contains one of these (`--exclude-weights`). Defaults to none. */
    readonly exclude?: readonly string[];
}

/** The importance weights a quantization uses, and where they came from. */
export interface ImportanceWeights {
    /** Per weight tensor: `ne0 × n_expert` float32 weights (expert-major), as llama-quantize passes them to ggml. */
    readonly weights: ReadonlyMap<string, Float32Array>;
    /** The path as given (`quantize.imatrix.file`; llama-quantize keeps the first 127 bytes). */
    readonly file: string;
    /** First calibration dataset name (`quantize.imatrix.dataset`), when the file names one. */
    readonly dataset?: string;
    /** Chunks it was computed on (`quantize.imatrix.chunks_count`, written when > 0). */
    readonly chunkCount: number;
}

/**
 * Normalizes an imatrix like llama-quantize: GGUF sums ÷ per-expert count (an expert never
 * routed to gets weights 1), legacy sums ÷ ncall; then the include/exclude filters. Returns
 * `undefined` when no entry is left (llama-quantize then quantizes as if none was given).
 */
export function importanceWeights(m: ImportanceMatrix, file: string, selection: ImatrixSelection = {}): ImportanceWeights | undefined {
    const include = selection.include ?? [], exclude = selection.exclude ?? [];
    if (include.length > 0 && exclude.length > 0)
        throw new R1Error("--include-weights and --exclude-weights cannot be used together", {exitCode: ExitCode.usage, hint: "pass only one of them (as llama-quantize)"});
    if (!m.isLegacy && !m.hasMetadata) throw new ImatrixFileError(file, "missing imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size)");
    const weights = new Map<string, Float32Array>();
    for (const [name, entry] of m.entries) {
        if (exclude.some((s) => name.includes(s))) continue;
        if (include.length > 0 && !include.some((s) => name.includes(s))) continue;
        // shared memory: the quantizer's worker threads read it without a copy per slice
        const e = new Float32Array(new SharedArrayBuffer(entry.sums.length * 4));
        if (!m.isLegacy) {
            const ne0 = entry.sums.length / entry.counts.length;
            for (let j = 0; j < entry.counts.length; j++) {
                const count = f(entry.counts[j]!);
                for (let i = 0; i < ne0; i++) e[j * ne0 + i] = count > 0 ? f(entry.sums[j * ne0 + i]! / count) : 1;
            }
        } else {
            const ncall = entry.counts[0] ?? 0;
            for (let i = 0; i < e.length; i++) e[i] = ncall > 0 ? f(entry.sums[i]! / f(ncall)) : entry.sums[i]!;
        }
        for (const v of e) if (!Number.isFinite(v)) throw new ImatrixFileError(file, `${name} holds a non-finite value (${v})`);
        weights.set(name, e);
    }
    if (weights.size === 0) return undefined;
    return {weights, file, ...(m.datasets[0] === undefined ? {} : {dataset: m.datasets[0]}), chunkCount: m.chunkCount};
}

/** `readImatrix` then `importanceWeights`. */
export async function loadImportanceWeights(path: string, selection: ImatrixSelection = {}): Promise<ImportanceWeights | undefined> {
    return importanceWeights(await readImatrix(path), path, selection);
}
