import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {copyFile, mkdtemp, open, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {GgufMetadata} from "../../src/gguf/GgufMetadata.js";
import {LlamaFileType} from "../../src/gguf/LlamaFileType.js";
import {readGguf} from "../../src/gguf/readGguf.js";
import {serializeGgufHeader} from "../../src/gguf/serializeGgufHeader.js";
import {quantizeGguf, quantizeGgufIter, QuantizeInterruptedError, QuantizeOverwriteError} from "../../src/quant/quantizeGguf.js";
import {planQuantization, QuantizationPlanError} from "../../src/quant/planQuantization.js";
import {findQuantRecipe, parseTensorTypeOverride} from "../../src/quant/recipes.js";
import {GgufError} from "../../src/gguf/errors/GgufError.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const F16 = "golden/tiny-llama-f16.gguf";
const skip = skipWithoutShared(F16);

function r1(...args: string[]) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "quantize", ...args], {encoding: "utf8", env: {...process.env, NO_COLOR: "1"}});
}

function oneLineFailure(result: ReturnType<typeof r1>, code: number, pattern: RegExp): void {
    assert.equal(result.status, code, result.stderr);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, pattern);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-qcli-"));
    try {
        await fn(dir);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

test("--dry-run prints the plan, the exact output size and BPW, and writes nothing", {skip}, () => {
    const result = r1(sharedPath(F16), "--type", "Q4_K_M", "--dry-run");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /blk\.0\.attn_v\.weight .*F16 .*Q6_K/);
    assert.match(result.stdout, /\(3037696 bytes/); // = the size of llama-quantize's tiny-llama-Q4_K_M.gguf
    assert.match(result.stdout, /4\.8494 BPW/);
    const json = JSON.parse(r1(sharedPath(F16), "--type", "Q3_K_M", "--dry-run", "--json", "--tensor-type", "ffn_up=Q8_0").stdout);
    // golden Q3_K_M size, with the 8 ffn_up tensors (256×512) moved from Q3_K to Q8_0
    assert.equal(json.outputFileSize, 2476544 + 8 * (131072 / 32 * 34 - 131072 / 256 * 110));
    assert.ok(json.tensors.filter((x: {name: string, to: string}) => x.name.includes("ffn_up")).every((x: {to: string}) => x.to === "Q8_0"));
});

test("--pure, --leave-output-tensor, --token-embedding-type and --output-tensor-type change the plan like llama-quantize's flags", {skip}, async () => {
    type Row = {name: string, from: string, to: string};
    const plan = (...flags: string[]) => {
        const result = r1(sharedPath(F16), "--type", "Q4_K_M", "--dry-run", "--json", ...flags);
        assert.equal(result.status, 0, result.stderr);
        return new Map((JSON.parse(result.stdout).tensors as Row[]).map((t) => [t.name, t]));
    };
    const mixed = plan();
    assert.equal(mixed.get("blk.0.attn_v.weight")!.to, "Q6_K"); // Q4_K_M's "more bits" rule
    const pure = plan("--pure");
    assert.ok([...pure.values()].filter((t) => t.to !== t.from).every((t) => t.to === "Q4_K"), "every quantized tensor in the base type");
    assert.equal(pure.get("blk.0.attn_v.weight")!.to, "Q4_K");
    const chosen = plan("--token-embedding-type", "q8_0", "--output-tensor-type", "f16");
    assert.equal(chosen.get("token_embd.weight")!.to, "Q8_0");
    assert.equal(chosen.get("output.weight")!.to, "F16");
    assert.equal(chosen.get("blk.0.attn_v.weight")!.to, "Q6_K");
    const kept = plan("--leave-output-tensor");
    assert.equal(kept.get("output.weight")!.to, kept.get("output.weight")!.from);

    // The flags reach the writer, not only the plan.
    await withDir(async (dir) => {
        const out = path.join(dir, "pure.gguf");
        const result = r1(sharedPath(F16), out, "--type", "Q4_K_M", "--pure", "--output-tensor-type", "q8_0", "--threads", "1");
        assert.equal(result.status, 0, result.stderr);
        const written = await readGguf(out);
        const types = new Map(written.tensors.map((t) => [t.name, t.type]));
        assert.equal(types.get("blk.0.attn_v.weight"), GgmlType.Q4_K);
        assert.equal(types.get("output.weight"), GgmlType.Q8_0);
    });
    oneLineFailure(r1(sharedPath(F16), "--dry-run", "--token-embedding-type", "q9_9"), 2, /unknown --token-embedding-type q9_9/i);
});

test("a DeepSeek-R1-shaped MoE is planned from its header alone, recipes included", async () => {
    await withDir(async (dir) => {
        // 61 layers like R1 but tiny widths keep the sparse file small; names and roles are R1's.
        const meta = new GgufMetadata();
        meta.setString("general.architecture", "deepseek2");
        meta.setUint32("deepseek2.block_count", 6);
        meta.setUint32("deepseek2.attention.head_count", 4);
        meta.setUint32("deepseek2.attention.head_count_kv", 4);
        meta.setUint32("deepseek2.expert_count", 8);
        meta.setUint32("general.file_type", 1);
        const t: Array<{name: string, shape: number[], type: GgmlType}> = [];
        const w = (name: string, shape: number[]) => t.push({name, shape, type: shape.length > 1 ? GgmlType.F16 : GgmlType.F32});
        w("token_embd.weight", [512, 1024]); w("output.weight", [512, 1024]); w("output_norm.weight", [512]);
        for (let i = 0; i < 6; i++) {
            const p = `blk.${i}.`;
            w(p + "attn_norm.weight", [512]); w(p + "attn_q_a.weight", [512, 256]); w(p + "attn_q_b.weight", [256, 768]);
            w(p + "attn_kv_a_mqa.weight", [512, 320]); w(p + "attn_k_b.weight", [128, 256, 4]); w(p + "attn_v_b.weight", [256, 128, 4]);
            w(p + "attn_output.weight", [512, 512]);
            if (i < 3) {
                w(p + "ffn_gate.weight", [512, 1536]); w(p + "ffn_up.weight", [512, 1536]); w(p + "ffn_down.weight", [1536, 512]);
            } else {
                w(p + "ffn_gate_inp.weight", [512, 8]);
                w(p + "ffn_gate_exps.weight", [512, 256, 8]); w(p + "ffn_up_exps.weight", [512, 256, 8]); w(p + "ffn_down_exps.weight", [256, 512, 8]);
                w(p + "ffn_gate_shexp.weight", [512, 256]); w(p + "ffn_up_shexp.weight", [512, 256]); w(p + "ffn_down_shexp.weight", [256, 512]);
            }
        }
        const header = serializeGgufHeader({metadata: meta, tensors: t});
        const file = path.join(dir, "moe.gguf");
        const h = await open(file, "w");
        await h.write(header.bytes);
        await h.truncate(header.fileSize);
        await h.close();
        const parsed = await readGguf(file);
        for (const name of ["ud-1.58", "ud-2.51", "moe-4.5"]) {
            const recipe = findQuantRecipe(name)!;
            const q = planQuantization(parsed, {fileType: recipe.baseFileType, overrides: recipe.rules});
            const type = (n: string) => GgmlType[q.plan.tensors.find((x) => x.name === n)!.targetType];
            if (name === "ud-1.58") {
                assert.equal(type("blk.4.ffn_up_exps.weight"), "IQ1_S");
                assert.equal(type("blk.4.ffn_down_exps.weight"), "IQ2_XXS");
                assert.ok(q.plan.requiresImatrix.length > 0 && q.missingImportance.length > 0);
                assert.deepEqual(q.unsupported, []);
            } else {
                assert.deepEqual(q.unsupported, []);
            }
            assert.equal(type("blk.4.ffn_gate_inp.weight"), "F16"); // the router keeps its input type
            assert.equal(type("blk.1.attn_k_b.weight"), name === "moe-4.5" ? "Q8_0" : "Q5_0"); // 128-wide rows: Q4_K → Q5_0
            assert.ok(q.plan.bitsPerWeight > 1.5 && q.plan.bitsPerWeight < 9);
        }
        const dry = r1(file, "--recipe", "ud-1.58", "--dry-run");
        assert.equal(dry.status, 0, dry.stderr);
        assert.match(dry.stdout, /blk\.5\.ffn_up_exps\.weight .*IQ1_S/);
        assert.match(dry.stdout, /need an importance matrix: pass --imatrix/);
        oneLineFailure(r1(file, path.join(dir, "out.gguf"), "--recipe", "ud-1.58"), 2, /IQ1_S.*needs an importance matrix.*r1 imatrix MODEL --text/);
        assert.deepEqual((await readdir(dir)).sort(), ["moe.gguf"]);
    });
});

test("bad input is one clear line and a non-zero exit; nothing is left behind", {skip}, async () => {
    await withDir(async (dir) => {
        const junk = path.join(dir, "junk.gguf");
        await writeFile(junk, "this is not a gguf file at all, just text");
        const j = r1(junk, path.join(dir, "o.gguf"), "--type", "Q4_K_M");
        assert.notEqual(j.status, 0);
        assert.equal(j.stderr.trim().split("\n").length, 1, j.stderr);
        oneLineFailure(r1(sharedPath(F16), path.join(dir, "o.gguf"), "--type", "Q9_K"), 2, /unknown --type Q9_K/i);
        oneLineFailure(r1(sharedPath(F16), path.join(dir, "o.gguf"), "--tensor-type", "no_such_tensor=Q4_K"), 2, /matches no tensor/);
        const truncated = path.join(dir, "trunc.gguf");
        await writeFile(truncated, (await readFile(sharedPath(F16))).subarray(0, 300_000));
        await assert.rejects(quantizeGguf({input: truncated, output: path.join(dir, "o.gguf"), fileType: LlamaFileType.MOSTLY_Q8_0, threads: 1}), GgufError);
        const copy = path.join(dir, "in.gguf");
        await copyFile(sharedPath(F16), copy);
        await assert.rejects(quantizeGguf({input: copy, output: copy, fileType: LlamaFileType.MOSTLY_Q8_0}), QuantizeOverwriteError);
        assert.throws(() => parseTensorTypeOverride("attn=Q7_K"), /unknown tensor type/);
        assert.deepEqual((await readdir(dir)).sort(), ["in.gguf", "junk.gguf", "trunc.gguf"]);
    });
});

test("re-quantizing needs --allow-requantize and warns; --tensor-type overrides reach the file", {skip}, async () => {
    await withDir(async (dir) => {
        const q8 = sharedPath("golden/tiny-llama-Q8_0.gguf");
        oneLineFailure(r1(q8, path.join(dir, "a.gguf"), "--type", "Q4_0"), 2, /already quantized.*--allow-requantize/);
        await assert.rejects(quantizeGguf({input: q8, output: path.join(dir, "a.gguf"), fileType: LlamaFileType.MOSTLY_Q4_0}), QuantizationPlanError);
        const done = await quantizeGguf({input: q8, output: path.join(dir, "a.gguf"), fileType: LlamaFileType.MOSTLY_Q4_0, allowRequantize: true, threads: 1});
        assert.ok(done.bytes > 0);
        const out = path.join(dir, "b.gguf");
        const overrides = [parseTensorTypeOverride("ffn_down=Q8_0"), parseTensorTypeOverride("attn_.*=Q5_1")];
        await quantizeGguf({input: sharedPath(F16), output: out, fileType: LlamaFileType.MOSTLY_Q4_0, overrides, threads: 2});
        const file = await readGguf(out);
        const type = (n: string) => GgmlType[file.tensors.find((x) => x.name === n)!.type];
        assert.equal(type("blk.3.ffn_down.weight"), "Q8_0");
        assert.equal(type("blk.3.attn_q.weight"), "Q5_1");
        assert.equal(type("blk.3.ffn_up.weight"), "Q4_0");
        assert.equal(file.metadata.getNumber("general.file_type"), LlamaFileType.MOSTLY_Q4_0);
    });
});

test("--imatrix and --include-weights reach the file; a bad imatrix or bad flags are one line", {skip: skip || skipWithoutShared("golden/imatrix/tiny-llama.imatrix.dat")}, async () => {
    await withDir(async (dir) => {
        const dat = sharedPath("golden/imatrix/tiny-llama.imatrix.dat");
        const out = path.join(dir, "q.gguf");
        const ok = r1(sharedPath(F16), out, "--type", "Q4_K_M", "--imatrix", dat, "--include-weights", "ffn_down", "--threads", "2");
        assert.equal(ok.status, 0, ok.stderr);
        const file = await readGguf(out);
        assert.equal(file.metadata.getString("quantize.imatrix.file"), dat);
        assert.equal(file.metadata.getNumber("quantize.imatrix.entries_count"), 8, "only the 8 ffn_down entries");
        const junk = path.join(dir, "junk.dat");
        await writeFile(junk, "not an imatrix");
        oneLineFailure(r1(sharedPath(F16), path.join(dir, "o.gguf"), "--imatrix", junk), 4, /not a usable importance matrix/);
        oneLineFailure(r1(sharedPath(F16), path.join(dir, "o.gguf"), "--include-weights", "attn"), 2, /need --imatrix/);
        oneLineFailure(r1(sharedPath(F16), path.join(dir, "o.gguf"), "--imatrix", dat, "--include-weights", "a", "--exclude-weights", "b"), 2, /cannot be used together/);
        assert.deepEqual((await readdir(dir)).sort(), ["junk.dat", "q.gguf"]);
    });
});

test("an interrupted run removes its partial output", {skip}, async () => {
    await withDir(async (dir) => {
        const controller = new AbortController();
        const out = path.join(dir, "o.gguf");
        await assert.rejects(async () => {
            for await (const event of quantizeGgufIter({input: sharedPath(F16), output: out, fileType: LlamaFileType.MOSTLY_Q6_K, threads: 2, signal: controller.signal})) {
                if (event.type === "tensor" && event.index === 5) controller.abort();
            }
        }, QuantizeInterruptedError);
        assert.deepEqual(await readdir(dir), []);
    });
});
