import {mkdir} from "node:fs/promises";
import path from "node:path";
import {findQuantOption, UnknownQuantError, variantFileSize, variantGgufMetadata, type Variant} from "../catalog/index.js";
import {readGguf} from "../gguf/readGguf.js";
import {writeGgufIter, type GgufWriteEvent} from "../gguf/writeGguf.js";
import {GgmlType} from "../gguf/GgmlType.js";
import {findQuantRecipe} from "../quant/recipes.js";
import {generatedVocabulary} from "./generatedVocabulary.js";
import {randomTensorData} from "./randomTensorData.js";

export interface WriteSyntheticModelOptions {
    /** The model whose exact tensor shapes, per-tensor quant types and metadata are reproduced. */
    variant: Variant;
    /** A quant the variant offers (`Q4_K_M`, `UD-IQ1_S`…). */
    quant: string;
    /** Output file; written under a temporary name and renamed when complete. */
    path: string;
    /**
     * A GGUF whose tokenizer (tokens, merges, special ids, chat template) is copied: a pulled model
     * of the same family or a vocab-only file. Defaults to a generated vocabulary of the same size.
     */
    tokenizerFrom?: string;
    /** With the generated vocabulary, only tokens that decode to ASCII (see `generatedVocabulary`). Defaults to `false`. */
    asciiTokens?: boolean;
}

/**
 * Writes a model with the variant's exact tensor shapes and llama-quantize's tensor types for
 * `quant`, filled with random valid blocks: a proof of speed without a download, since decode
 * speed depends on sizes and types, not values. Streams tensor by tensor (a 1.5B Q4_K_M takes
 * seconds and no more memory than a 256 KiB pattern per tensor). Yields the writer's progress.
 */
export async function* writeSyntheticModelIter(options: WriteSyntheticModelOptions): AsyncGenerator<GgufWriteEvent, void> {
    const {variant, quant} = options;
    const option = findQuantOption(quant);
    const fileType = option?.fileType ?? (option?.recipe === undefined ? undefined : findQuantRecipe(option.recipe)?.baseFileType);
    if (option === undefined || fileType === undefined) throw new UnknownQuantError(quant, variant.quants);
    const plan = variantFileSize(variant, option.name);
    const metadata = variantGgufMetadata(variant, {fileType});
    metadata.setString("general.name", `${variant.name} ${option.name} (synthetic: random weights)`);
    const vocabulary = options.tokenizerFrom === undefined
        ? generatedVocabulary(variant.architecture.vocabSize, metadata.getNumber("tokenizer.ggml.bos_token_id") ?? 0, metadata.getNumber("tokenizer.ggml.eos_token_id") ?? 0,
            {asciiOnly: options.asciiTokens === true})
        : (await readGguf(options.tokenizerFrom)).metadata;
    for (const entry of vocabulary.entries()) if (entry.key.startsWith("tokenizer.")) metadata.set(entry);

    const tensors = plan.tensors.map((t, index) => ({
        name: t.name,
        shape: t.shape,
        type: t.targetType,
        data: randomTensorData(t.targetType, t.shape.reduce((a, b) => a * b, 1), {
            seed: index + 1,
            ...(t.targetType === GgmlType.F32 && t.name.includes("norm") ? {f32Value: 1} : {})
        })
    }));
    await mkdir(path.dirname(options.path), {recursive: true});
    yield* writeGgufIter(options.path, {metadata, tensors});
}

/** `writeSyntheticModelIter` drained. */
export async function writeSyntheticModel(options: WriteSyntheticModelOptions): Promise<void> {
    for await (const event of writeSyntheticModelIter(options)) void event;
}
