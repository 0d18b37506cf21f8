import {GgmlType} from "../../gguf/GgmlType.js";
import {GgufMetadata} from "../../gguf/GgufMetadata.js";
import {ggmlNDims} from "../../gguf/serializeGgufHeader.js";
import {writeGguf} from "../../gguf/writeGguf.js";
import type {ImatrixEntry} from "./readImatrix.js";

export interface ImatrixToWrite {
    /** By weight tensor name; each entry's sums hold `ne0 × counts.length` values. */
    readonly entries: ReadonlyMap<string, ImatrixEntry>;
    readonly datasets: readonly string[];
    readonly chunkCount: number;
    readonly chunkSize: number;
}

/**
 * Writes an imatrix in llama-imatrix's GGUF form (tools/imatrix/imatrix.cpp `save_imatrix`):
 * `general.type` = imatrix, `imatrix.datasets` / `.chunk_count` / `.chunk_size`, then per entry in
 * name order an F32 `<name>.in_sum2` [ne0, n_expert] and `<name>.counts` [1, n_expert].
 */
export async function writeImatrixGguf(path: string, imatrix: ImatrixToWrite): Promise<void> {
    const metadata = new GgufMetadata()
        .setString("general.type", "imatrix")
        .setStringArray("imatrix.datasets", [...imatrix.datasets])
        .setUint32("imatrix.chunk_count", imatrix.chunkCount)
        .setUint32("imatrix.chunk_size", imatrix.chunkSize);
    const names = [...imatrix.entries.keys()].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
    const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const tensors = names.flatMap((name) => {
        const e = imatrix.entries.get(name)!;
        const nmat = e.counts.length;
        return [
            {name: `${name}.in_sum2`, shape: ggmlNDims([e.sums.length / nmat, nmat]), type: GgmlType.F32, data: bytes(Float32Array.from(e.sums))},
            {name: `${name}.counts`, shape: ggmlNDims([1, nmat]), type: GgmlType.F32, data: bytes(Float32Array.from(e.counts))}
        ];
    });
    await writeGguf(path, {metadata, tensors});
}
