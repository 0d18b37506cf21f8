import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm, readdir} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {llamaFileTypeByName} from "../../src/gguf/LlamaFileType.js";
import {readGguf} from "../../src/gguf/readGguf.js";
import {GgufDataReader} from "../../src/gguf/readTensorData.js";
import {quantizeGguf} from "../../src/quant/quantizeGguf.js";
import {loadImportanceWeights} from "../../src/quant/imatrix/importanceWeights.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const SOURCE = "golden/tiny-llama-f16.gguf";
const IMATRIX_GGUF = "golden/imatrix/tiny-llama.imatrix.gguf";
const IMATRIX_DAT = "golden/imatrix/tiny-llama.imatrix.dat";
const ALL = (process.env.R1_IMATRIX_GOLDEN_TYPES ?? "Q2_K,Q3_K_M,Q4_0,Q4_K_M,Q5_K_M,Q6_K,IQ4_NL,IQ4_XS,IQ1_S,IQ1_M,IQ2_XXS,IQ2_XS,IQ2_S,IQ2_M,IQ3_XXS,IQ3_S,IQ3_M").split(",");
const isGrid = (t: string) => /^IQ[123]_/.test(t);

async function differences(actualPath: string, goldenPath: string): Promise<string[]> {
    const [a, g] = await Promise.all([readGguf(actualPath), readGguf(goldenPath)]);
    assert.deepEqual(a.tensors.map((t) => t.name), g.tensors.map((t) => t.name), "tensor order");
    assert.equal(a.metadata.getNumber("general.file_type"), g.metadata.getNumber("general.file_type"));
    // llama-quantize's imatrix keys (the path differs: the golden was made elsewhere)
    for (const key of ["quantize.imatrix.dataset", "quantize.imatrix.entries_count", "quantize.imatrix.chunks_count"])
        assert.deepEqual(a.metadata.get(key)?.value, g.metadata.get(key)?.value, key);
    assert.equal(a.metadata.get("quantize.imatrix.file")?.type, g.metadata.get("quantize.imatrix.file")?.type);
    const problems: string[] = [];
    const ra = new GgufDataReader(a), rg = new GgufDataReader(g);
    try {
        for (const [i, tg] of g.tensors.entries()) {
            const ta = a.tensors[i]!;
            if (ta.type !== tg.type) { problems.push(`${tg.name}: ${GgmlType[ta.type]} vs ${GgmlType[tg.type]}`); continue; }
            if (Buffer.compare(await ra.read(ta), await rg.read(tg)) !== 0) problems.push(`${tg.name} (${GgmlType[tg.type]}): data differs`);
        }
    } finally {
        await ra.close();
        await rg.close();
    }
    return problems;
}

async function reproduces(types: readonly string[]): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-quant-imatrix-"));
    try {
        for (const [i, name] of types.entries()) {
            // both forms of the same imatrix give the same bytes; alternate them, and inline / worker threads
            const imatrixPath = sharedPath(i % 2 === 0 ? IMATRIX_GGUF : IMATRIX_DAT);
            const imatrix = await loadImportanceWeights(imatrixPath);
            const out = path.join(dir, `${name}.gguf`);
            await quantizeGguf({
                input: sharedPath(SOURCE), output: out, fileType: llamaFileTypeByName(name)!, imatrix,
                threads: i % 3 === 0 ? 2 : 1, ...(i % 4 === 1 ? {sliceBytes: 64 * 1024} : {})
            });
            assert.deepEqual(await differences(out, sharedPath(`golden/imatrix/tiny-llama-imatrix-${name}.gguf`)), [], name);
            const written = await readGguf(out);
            assert.equal(written.metadata.getString("quantize.imatrix.file"), imatrixPath);
            await rm(out);
        }
        assert.deepEqual(await readdir(dir), [], "no temporary files left behind");
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

const skip = skipWithoutShared(IMATRIX_GGUF) || skipWithoutShared(SOURCE);

test("with an importance matrix r1 quantize reproduces llama-quantize --imatrix byte for byte: k-quants, Q4_0, IQ4", {skip},
    () => reproduces(ALL.filter((t) => !isGrid(t))));

test("the IQ1/IQ2/IQ3 file types are byte-identical with llama-quantize --imatrix", {skip}, () => reproduces(ALL.filter(isGrid)));
