import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, open, rm, stat} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {FileByteSource, GgmlType, GgufMetadata, ggufModelInfo, readGguf, readGgufFromSource, serializeGgufHeader, type ByteSource} from "../../src/gguf/index.js";

test("the header of a sparse multi-GB (over 4 GiB) synthetic model is read in well under a second, without reading the data", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-sparse-"));
    try {
        const nEmbd = 4096;
        const nFf = 14336;
        const nVocab = 32000;
        const layers = 32;
        const metadata = new GgufMetadata().setString("general.architecture", "llama").setUint32("llama.block_count", layers)
            .setUint32("llama.embedding_length", nEmbd).setStringArray("tokenizer.ggml.tokens", Array.from({length: nVocab}, (_, i) => `tok${i}`));
        const tensors = [{name: "token_embd.weight", shape: [nEmbd, nVocab], type: GgmlType.Q4_K}];
        for (let i = 0; i < layers; i++) {
            for (const [name, shape] of [["attn_q", [nEmbd, nEmbd]], ["attn_k", [nEmbd, 1024]], ["attn_v", [nEmbd, 1024]], ["attn_output", [nEmbd, nEmbd]],
                ["ffn_gate", [nEmbd, nFf]], ["ffn_up", [nEmbd, nFf]], ["ffn_down", [nFf, nEmbd]]] as const)
                tensors.push({name: `blk.${i}.${name}.weight`, shape: [...shape], type: name === "ffn_down" ? GgmlType.Q6_K : GgmlType.Q4_K});
        }
        const header = serializeGgufHeader({metadata, tensors});
        assert.ok(header.fileSize > 4 * 2 ** 30);
        const file = path.join(dir, "synthetic.gguf");
        const handle = await open(file, "w");
        await handle.write(header.bytes, 0, header.bytes.length, 0);
        await handle.truncate(header.fileSize); // sparse: the data is a hole, never written
        await handle.close();
        assert.equal((await stat(file)).size, header.fileSize);

        const started = performance.now();
        const gguf = await readGguf(file);
        const elapsed = performance.now() - started;
        assert.equal(gguf.tensors.length, 1 + 7 * layers);
        assert.equal(gguf.fileSize, header.fileSize);
        const info = ggufModelInfo(gguf);
        assert.equal(info.vocabSize, nVocab);
        assert.ok(info.bitsPerWeight > 4.5 && info.bitsPerWeight < 6.6);
        // What matters more than the clock: only the header's bytes are read.
        const source = await FileByteSource.open(file);
        let bytesRead = 0;
        const counting: ByteSource = {
            name: source.name, size: source.size, close: () => source.close(),
            read: async (offset, length) => { const b = await source.read(offset, length); bytesRead += b.length; return b; }
        };
        await readGgufFromSource(counting, {initialReadBytes: 64 * 1024});
        await counting.close();
        assert.ok(bytesRead < 2 * header.dataOffset + 64 * 1024, `read ${bytesRead} bytes for a ${header.dataOffset}-byte header`);
        // Target is milliseconds; the bound is loose because this machine is shared and noisy.
        assert.ok(elapsed < 1000, `reading the header took ${elapsed.toFixed(0)} ms`);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
