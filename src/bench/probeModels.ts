import {requireVariant, variantGgufMetadata, variantTensors, type DenseArchitecture, type Variant} from "../catalog/index.js";
import {GgmlType, ggmlTensorBytes} from "../gguf/GgmlType.js";
import {writeGgufIter} from "../gguf/writeGguf.js";
import {mkdir, readdir, rm, stat} from "node:fs/promises";
import path from "node:path";
import {generatedVocabulary} from "./generatedVocabulary.js";
import {randomTensorData} from "./randomTensorData.js";

/** Weight types the probe measures, most used first (the planner maps others to the nearest in bits per weight). */
export const PROBE_TYPES: readonly GgmlType[] = [GgmlType.Q4_K, GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q3_K, GgmlType.Q2_K];

/**
 * Weights of the smaller rate model of each type: twice a large shared L3 (this kind of 2-core VM
 * reports 300 MiB), so decode reads DRAM as a real model does, not cache.
 */
export const PROBE_RATE_MODEL_BYTES = 640 * 2 ** 20;
/**
 * The larger rate model of each type has this many times the smaller's layers: the rate is the
 * slope between the two (`fitDecodeRate`), and a difference of ~640 MiB is ~40 ms per token at
 * 16 GB/s — far above the per-token jitter of a quiet machine.
 */
export const RATE_PAIR_LAYER_FACTOR = 2;
/**
 * Weights of the width model: the 1.5B's widths, of the first type, past this VM's 300 MiB L3 (a
 * 131 MB layer in cache ran a prompt 3–5× faster per FLOP than the same layers from DRAM).
 */
export const PROBE_WIDTH_MODEL_BYTES = 480 * 2 ** 20;
/** A probe vocabulary: the output matrix stays negligible beside the layers. */
const PROBE_VOCAB = 512;

/** One probe model: what it measures and its exact shapes. */
export interface ProbeModelSpec {
    /** File stem under the probe cache, unique per shape and type. */
    readonly name: string;
    /**
     * `rate`: one of a type's two models of the same widths and different layer counts. `width`: the
     * first type at another hidden width, whose prompt rate scales the rates to that width.
     */
    readonly role: "rate" | "overhead" | "attention" | "width";
    readonly type: GgmlType;
    readonly architecture: DenseArchitecture;
}

/** A dense qwen2 architecture from a catalog variant's, resized. */
function resized(base: DenseArchitecture, changes: Partial<DenseArchitecture>): DenseArchitecture {
    return {...base, vocabSize: PROBE_VOCAB, maxContext: 4096, tiedEmbeddings: false, ...changes};
}

/**
 * The probe's models: per type, two of real widths (R1-Distill-Qwen-7B's: hidden 3584, FFN 18944,
 * 28 heads / 4 KV heads), one of as many layers as make ~640 MiB and one of twice as many (their
 * difference in decode time is the type's read rate; the smaller one's prompt time its matmul
 * rate); a model of the first type at the 1.5B's widths (hidden 1536, FFN 8960) whose prompt
 * rate against the 7B-wide one is the width factor; two 128-wide models of 1 and 17 layers whose
 * time difference is the per-layer overhead; and a 1536-wide attention model (12 heads / 2 KV heads
 * of 128, like the 1.5B) whose decode slows with depth.
 */
export function probeModelSpecs(types: readonly GgmlType[] = PROBE_TYPES): ProbeModelSpec[] {
    const base = requireVariant("deepseek-r1-distill-qwen-7b").architecture as DenseArchitecture;
    const specs: ProbeModelSpec[] = [];
    const layerParams = base.hiddenSize * (2 * base.heads * base.headDim + 2 * base.kvHeads * base.headDim) + 3 * base.hiddenSize * base.ffnSize;
    for (const type of types) {
        const fewer = Math.max(1, Math.min(12, Math.round(PROBE_RATE_MODEL_BYTES / ggmlTensorBytes(type, layerParams))));
        for (const layers of [fewer, fewer * RATE_PAIR_LAYER_FACTOR])
            specs.push({name: `rate-${GgmlType[type]}-${layers}x${base.hiddenSize}`, role: "rate", type, architecture: resized(base, {layers})});
    }
    const narrow = requireVariant("deepseek-r1-distill-qwen-1.5b").architecture as DenseArchitecture;
    const first = types[0];
    if (first !== undefined) {
        const narrowLayerParams = narrow.hiddenSize * (2 * narrow.heads * narrow.headDim + 2 * narrow.kvHeads * narrow.headDim) + 3 * narrow.hiddenSize * narrow.ffnSize;
        const layers = Math.max(1, Math.round(PROBE_WIDTH_MODEL_BYTES / ggmlTensorBytes(first, narrowLayerParams)));
        specs.push({name: `width-${GgmlType[first]}-${layers}x${narrow.hiddenSize}`, role: "width", type: first, architecture: resized(narrow, {layers})});
    }
    const tiny = {hiddenSize: 128, heads: 1, kvHeads: 1, headDim: 128, ffnSize: 256};
    for (const layers of [1, 17]) specs.push({name: `overhead-${layers}x128`, role: "overhead", type: GgmlType.Q8_0, architecture: resized(base, {...tiny, layers})});
    specs.push({name: "attention-4x1536", role: "attention", type: GgmlType.Q8_0,
        architecture: resized(base, {layers: 4, hiddenSize: 1536, heads: 12, kvHeads: 2, headDim: 128, ffnSize: 256})});
    return specs;
}

/** Weight bytes and parameters one token reads in a probe model (every 2-D weight; norms and biases are F32). */
export function probeModelWeights(spec: ProbeModelSpec): {bytes: number, params: number, layers: number} {
    let bytes = 0, params = 0;
    for (const t of variantTensors(probeVariant(spec), {weightType: spec.type})) {
        if (t.name === "token_embd.weight") continue;
        const elements = t.shape.reduce((a, b) => a * b, 1);
        bytes += ggmlTensorBytes(t.type, elements);
        params += elements;
    }
    return {bytes, params, layers: spec.architecture.layers};
}

function probeVariant(spec: ProbeModelSpec): Variant {
    const base = requireVariant("deepseek-r1-distill-qwen-7b");
    return {...base, id: `probe-${spec.name}`, name: `r1 probe ${spec.name}`, architecture: spec.architecture};
}

/** Where the probe writes its models while it measures: `<r1Home>/cache/probe/`. */
export function probeModelDir(r1Home: string): string {
    return path.join(r1Home, "cache", "probe");
}

/** A probe model's file in `dir`. */
export function probeModelPath(dir: string, spec: ProbeModelSpec): string {
    return path.join(dir, `${spec.name}.gguf`);
}

/** A run folder older than this belongs to a probe that was killed: removed by the next probe. */
const STALE_RUN_MS = 60 * 60 * 1000;

/**
 * Removes what earlier probes left in `dir`: models earlier versions of the probe cached there for good (two per
 * type, ~12 GB), and run folders of probes killed before they could clean up. Writing a probe
 * model takes ~1 s per GB, so keeping them is not worth the disk.
 */
export async function removeStaleProbeModels(dir: string, now = Date.now()): Promise<void> {
    const entries = await readdir(dir, {withFileTypes: true}).catch(() => []);
    for (const entry of entries) {
        const file = path.join(dir, entry.name);
        if (entry.isFile() && /^(rate|overhead|attention|width)-.+\.gguf$/.test(entry.name)) await rm(file, {force: true});
        else if (entry.isDirectory() && entry.name.startsWith("run-")) {
            const info = await stat(file).catch(() => undefined);
            if (info !== undefined && now - info.mtimeMs > STALE_RUN_MS) await rm(file, {recursive: true, force: true});
        }
    }
}

/** Writes a probe model (random valid weights, every 2-D weight of `spec.type`, a generated vocabulary) under a temporary name, then renames it. */
export async function writeProbeModel(spec: ProbeModelSpec, file: string): Promise<void> {
    const variant = probeVariant(spec);
    const metadata = variantGgufMetadata(variant);
    metadata.setString("general.name", `${variant.name} (r1 hw --probe: random weights)`);
    for (const entry of generatedVocabulary(spec.architecture.vocabSize, 0, 1).entries()) if (entry.key.startsWith("tokenizer.")) metadata.set(entry);
    const tensors = variantTensors(variant, {weightType: spec.type}).map((t, index) => ({
        name: t.name, shape: t.shape, type: t.type,
        data: randomTensorData(t.type, t.shape.reduce((a, b) => a * b, 1), {
            seed: index + 1, ...(t.type === GgmlType.F32 && t.name.includes("norm") ? {f32Value: 1} : {})
        })
    }));
    await mkdir(path.dirname(file), {recursive: true});
    for await (const event of writeGgufIter(file, {metadata, tensors})) void event;
}
