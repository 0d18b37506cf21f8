import {GgufDataReader, readGguf, writeGguf} from "../gguf/index.js";

/**
 * Copies the GGUF at `sourcePath` to `targetPath` with `token_embd` and `output` zeroed: every logit is 0, so
 * greedy decoding repeats token 0 — valid text that never ends by itself, where a model of random weights emits
 * bytes that are not UTF-8 (which llama-server's parser rejects). Same shapes and types, so the same speed.
 */
export async function writeZeroEmbeddingCopy(sourcePath: string, targetPath: string): Promise<void> {
    const file = await readGguf(sourcePath);
    const reader = new GgufDataReader(file);
    try {
        await writeGguf(targetPath, {
            metadata: file.metadata,
            tensors: file.tensors.map((tensor) => ({
                name: tensor.name, shape: tensor.shape, type: tensor.type,
                data: tensor.name === "token_embd.weight" || tensor.name === "output.weight"
                    ? new Uint8Array(tensor.byteSize)
                    : async function* () {
                        yield await reader.read(tensor);
                    }
            }))
        });
    } finally {
        await reader.close();
    }
}
