import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {statSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {randomTensorData} from "../../src/bench/randomTensorData.js";
import {requireVariant, variantFileSize} from "../../src/catalog/index.js";
import {GgmlType, ggmlTensorBytes} from "../../src/gguf/GgmlType.js";
import {readGguf} from "../../src/gguf/readGguf.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const STORIES = "models/stories260K.gguf";
import {R1_VOCAB, tinyR1Variant, writeTinyR1Model} from "../engine/tinyR1Model.js";

function halfToNumber(bits: number): number {
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    const sign = bits & 0x8000 ? -1 : 1;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    if (exponent === 31) return mantissa === 0 ? sign * Infinity : Number.NaN;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bytesOf(type: GgmlType, elements: number): Uint8Array {
    const chunks = [...randomTensorData(type, elements)()];
    return Buffer.concat(chunks);
}

test("random blocks have the exact size and small finite fp16 scales", () => {
    const cases: [GgmlType, number, number[]][] = [
        [GgmlType.Q4_K, 144, [0, 2]], [GgmlType.Q6_K, 210, [208]], [GgmlType.Q8_0, 34, [0]], [GgmlType.Q3_K, 110, [108]], [GgmlType.Q2_K, 84, [80, 82]]
    ];
    for (const [type, blockBytes, offsets] of cases) {
        const elements = 256 * 3000;
        const bytes = bytesOf(type, elements);
        assert.equal(bytes.length, ggmlTensorBytes(type, elements));
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let block = 0; block < bytes.length; block += blockBytes)
            for (const offset of offsets) {
                const scale = halfToNumber(view.getUint16(block + offset, true));
                assert.ok(Number.isFinite(scale) && Math.abs(scale) > 0 && Math.abs(scale) < 1e-3, `${GgmlType[type]} scale ${scale}`);
            }
    }
    const norms = new Float32Array(new Uint8Array(Buffer.concat([...randomTensorData(GgmlType.F32, 64, {f32Value: 1})()])).buffer);
    assert.deepEqual([...new Set(norms)], [1]);
    assert.deepEqual(bytesOf(GgmlType.Q4_K, 256 * 10), bytesOf(GgmlType.Q4_K, 256 * 10), "seeded: the same file every time");
});

const skip = skipWithoutShared(R1_VOCAB);
let written: {path: string, cleanup: () => void} | undefined;

before(async () => {
    if (skip === false) written = await writeTinyR1Model("Q4_K_M");
});
after(() => written?.cleanup());

test("a synthetic model has the variant's tensors, types and the real tokenizer", {skip}, async () => {
    const file = await readGguf(written!.path);
    const plan = variantFileSize(tinyR1Variant(), "Q4_K_M");
    assert.deepEqual(file.tensors.map((t) => [t.name, [...t.shape], t.type]), plan.tensors.map((t) => [t.name, [...t.shape], t.targetType]));
    assert.equal(file.metadata.getString("general.architecture"), "qwen2");
    assert.equal(file.metadata.getArrayLength("tokenizer.ggml.tokens"), 151936);
    assert.match(file.metadata.getString("tokenizer.chat_template") ?? "", /<｜Assistant｜>/);
    assert.equal(statSync(written!.path).size, file.fileSize);
});

test("the real 1.5B's synthetic tensor plan matches its published Q4_K_M size", () => {
    // Unsloth's DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf is 1.12 GB; the synthetic file is the same layout.
    const plan = variantFileSize(requireVariant("deepseek-r1-distill-qwen-1.5b"), "Q4_K_M");
    assert.ok(Math.abs(plan.totalBytes / 1e9 - 1.12) < 0.02, `${plan.totalBytes}`);
});

test("r1 bench FILE --json prints the results table as JSON", {skip: skipWithoutShared(STORIES)}, () => {
    const {UV_THREADPOOL_SIZE: _, ...env} = process.env;
    const result = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "bench", sharedPath(STORIES), "--n-prompt", "16", "-n", "4", "-r", "1", "-t", "1", "--no-e2e", "--json", "--no-calibrate"],
        {encoding: "utf8", env: {...env, R1_HOME: path.join(os.tmpdir(), ".r1-test-bench-home")}});
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {results: {name: string, meanTokensPerSecond: number}[], threads: number, prediction: unknown, calibrationSaved: boolean};
    assert.deepEqual(report.results.map((r) => r.name), ["pp16", "tg4"]);
    assert.equal(report.threads, 1);
    assert.equal(report.prediction, null, "a file that is not a pulled catalog model has no prediction");
    assert.equal(report.calibrationSaved, false);
});

test("r1 bench -d N measures after N tokens and saves no calibration from it", {skip: skipWithoutShared(STORIES)}, () => {
    const {UV_THREADPOOL_SIZE: _, ...env} = process.env;
    const result = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "bench", sharedPath(STORIES), "--n-prompt", "16", "-n", "4", "-d", "32", "-r", "1", "-t", "1", "--no-e2e", "--json"],
        {encoding: "utf8", env: {...env, R1_HOME: path.join(os.tmpdir(), ".r1-test-bench-home")}});
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {results: {name: string, depth: number}[], depth: number, contextSize: number, calibrationSaved: boolean};
    assert.deepEqual(report.results.map((r) => [r.name, r.depth]), [["pp16 @ d32", 32], ["tg4 @ d32", 32]]);
    assert.equal(report.depth, 32);
    assert.ok(report.contextSize >= 32 + 16 + 1);
    assert.equal(report.calibrationSaved, false);
});
