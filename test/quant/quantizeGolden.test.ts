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
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const SOURCE = "golden/tiny-llama-f16.gguf";
const TYPES = (process.env.R1_GOLDEN_TYPES ?? "Q8_0,Q6_K,Q5_K_M,Q5_K_S,Q4_K_M,Q4_K_S,Q3_K_L,Q3_K_M,Q3_K_S,Q2_K,Q4_0,IQ4_XS").split(",");

async function sameTensors(actualPath: string, goldenPath: string): Promise<string[]> {
    const [a, g] = await Promise.all([readGguf(actualPath), readGguf(goldenPath)]);
    const problems: string[] = [];
    assert.deepEqual(a.tensors.map((t) => t.name), g.tensors.map((t) => t.name), "tensor order");
    assert.equal(a.metadata.getNumber("general.file_type"), g.metadata.getNumber("general.file_type"));
    assert.equal(a.metadata.getNumber("general.quantization_version"), 2);
    const ra = new GgufDataReader(a), rg = new GgufDataReader(g);
    try {
        for (const [i, tg] of g.tensors.entries()) {
            const ta = a.tensors[i]!;
            if (ta.type !== tg.type) { problems.push(`${tg.name}: ${GgmlType[ta.type]} vs ${GgmlType[tg.type]}`); continue; }
            assert.deepEqual(ta.shape, tg.shape);
            const [da, dg] = await Promise.all([ra.read(ta), rg.read(tg)]);
            if (Buffer.compare(da, dg) !== 0) problems.push(`${tg.name} (${GgmlType[tg.type]}): data differs`);
        }
    } finally {
        await ra.close();
        await rg.close();
    }
    return problems;
}

test("r1 quantize reproduces every llama-quantize golden file: same types, byte-identical data", {skip: skipWithoutShared(SOURCE)}, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-quant-"));
    try {
        for (const [i, name] of TYPES.entries()) {
            const out = path.join(dir, `${name}.gguf`);
            // Alternate inline and worker-thread runs: both paths must give the same bytes. The
            // smallest slices split each tensor into several work items, so the threads' lookahead
            // runs across tensor ends with results arriving out of order.
            await quantizeGguf({
                input: sharedPath(SOURCE), output: out, fileType: llamaFileTypeByName(name)!, threads: i % 2 === 0 ? 2 : 1,
                ...(i % 4 === 0 ? {sliceBytes: 64 * 1024} : {})
            });
            assert.deepEqual(await sameTensors(out, sharedPath(`golden/tiny-llama-${name}.gguf`)), [], name);
            await rm(out);
        }
        assert.deepEqual(await readdir(dir), [], "no temporary files left behind");
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
