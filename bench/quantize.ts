// Times `r1 quantize --type Q4_K_M` on a synthetic F16 model with the exact tensor shapes of
// DeepSeek-R1-Distill-Qwen-1.5B (qwen2: 1536 wide, 28 layers, FFN 8960, 12/2 heads, 151936-token
// vocabulary, untied output: 1.78 B weights), once per thread count, and reports weights/s and the
// CLI's peak RSS (VmHWM, polled). Weights are N(0, 0.02) values stored as F16, a repeated 1 MiB
// pattern (the quantizer's speed does not depend on the values' order).
//
//   npx tsc && node --import tsx bench/quantize.ts [--threads 1,2] [--layers 28] [--vocab 151936] [--keep]
//
// `--layers N` keeps the real widths but fewer layers (for a quick run); `--vocab N` shrinks the
// embeddings, so the layers' many small tensors dominate; the report says so. `--r1 A,B` times other
// checkouts' bin/r1.js too, alternating with this one for each thread count (e.g. before/after a change).
// `--type Q8_0,Q4_K_M` picks the file types; `--llama-quantize PATH` times llama.cpp's llama-quantize on
// the same file right after each r1 run (same type and threads), `--rounds N` repeats each pair, and
// the r1 / llama-quantize ratio is printed per pair (only alternated ratios mean anything on a busy machine).
// `--js` also times this r1 with its JS codecs only (R1_QUANT_WASM=0) in each round, before the WASM run.
import {spawn} from "node:child_process";
import {readFile, rm, stat} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {GgmlType} from "../src/gguf/GgmlType.js";
import {GgufMetadata} from "../src/gguf/GgufMetadata.js";
import {writeGguf, type GgufTensorToWrite} from "../src/gguf/writeGguf.js";
import {fp32ToFp16} from "../src/quant/codecs/float16.js";

const {values} = parseArgs({options: {
    threads: {type: "string", default: "1,2"},
    layers: {type: "string", default: "28"},
    vocab: {type: "string", default: "151936"},
    r1: {type: "string"},
    type: {type: "string", default: "Q4_K_M"},
    "llama-quantize": {type: "string"},
    rounds: {type: "string", default: "1"},
    js: {type: "boolean", default: false},
    keep: {type: "boolean", default: false}
}});
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const layers = Number(values.layers);
const dims = {embd: 1536, ff: 8960, head: 12, headKv: 2, vocab: Number(values.vocab)};

function gaussianF16Pattern(bytes: number): Uint8Array {
    let s = 0x9E3779B9;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 2) {
        const h = fp32ToFp16(Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * 0.02);
        out[i] = h & 0xFF;
        out[i + 1] = h >> 8;
    }
    return out;
}

async function writeModel(file: string): Promise<number> {
    const pattern = gaussianF16Pattern(1 << 20);
    const meta = new GgufMetadata();
    meta.setString("general.architecture", "qwen2");
    meta.setString("general.name", "synthetic R1-Distill-Qwen-1.5B shapes");
    meta.setUint32("qwen2.block_count", layers);
    meta.setUint32("qwen2.context_length", 131072);
    meta.setUint32("qwen2.embedding_length", dims.embd);
    meta.setUint32("qwen2.feed_forward_length", dims.ff);
    meta.setUint32("qwen2.attention.head_count", dims.head);
    meta.setUint32("qwen2.attention.head_count_kv", dims.headKv);
    meta.setUint32("general.file_type", 1);
    // llama-quantize loads the hyperparameters and needs this one for qwen2
    meta.setFloat32("qwen2.attention.layer_norm_rms_epsilon", 1e-6);
    const tensors: GgufTensorToWrite[] = [];
    let weights = 0;
    const add = (name: string, shape: number[]) => {
        const elements = shape.reduce((a, b) => a * b, 1);
        weights += elements;
        const f16 = shape.length > 1;
        const bytes = elements * (f16 ? 2 : 4);
        tensors.push({name, shape, type: f16 ? GgmlType.F16 : GgmlType.F32, data: f16
            ? function* () { for (let done = 0; done < bytes; done += pattern.length) yield pattern.subarray(0, Math.min(pattern.length, bytes - done)); }
            : new Uint8Array(new Float32Array(elements).fill(1).buffer)});
    };
    const hd = dims.embd / dims.head;
    add("token_embd.weight", [dims.embd, dims.vocab]);
    add("output_norm.weight", [dims.embd]);
    add("output.weight", [dims.embd, dims.vocab]);
    for (let i = 0; i < layers; i++) {
        const p = `blk.${i}.`;
        add(p + "attn_norm.weight", [dims.embd]);
        add(p + "attn_q.weight", [dims.embd, dims.embd]);
        add(p + "attn_q.bias", [dims.embd]);
        add(p + "attn_k.weight", [dims.embd, dims.headKv * hd]);
        add(p + "attn_k.bias", [dims.headKv * hd]);
        add(p + "attn_v.weight", [dims.embd, dims.headKv * hd]);
        add(p + "attn_v.bias", [dims.headKv * hd]);
        add(p + "attn_output.weight", [dims.embd, dims.embd]);
        add(p + "ffn_norm.weight", [dims.embd]);
        add(p + "ffn_gate.weight", [dims.embd, dims.ff]);
        add(p + "ffn_up.weight", [dims.embd, dims.ff]);
        add(p + "ffn_down.weight", [dims.ff, dims.embd]);
    }
    await writeGguf(file, {metadata: meta, tensors});
    return weights;
}

async function peakRss(pid: number): Promise<number> {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
}

async function timeQuantize(cli: string, input: string, output: string, threads: number, type: string): Promise<{seconds: number, rss: number}> {
    const started = performance.now();
    const child = cli === values["llama-quantize"]
        ? spawn(cli, [input, output, type, String(threads)], {stdio: ["ignore", "ignore", "ignore"]})
        : spawn(process.execPath, [cli.replace(/^js:/, ""), "quantize", input, output, "--type", type, "--threads", String(threads)],
            {stdio: ["ignore", "ignore", "inherit"], env: {...process.env, ...(cli.startsWith("js:") ? {R1_QUANT_WASM: "0"} : {})}});
    let rss = 0;
    const poll = setInterval(() => void peakRss(child.pid!).then((v) => { rss = Math.max(rss, v); }), 200);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearInterval(poll);
    if (code !== 0) throw new Error(`${cli} exited with ${code}`);
    return {seconds: (performance.now() - started) / 1000, rss};
}

const dir = tmpdir();
const input = path.join(dir, `r1-bench-qwen1.5b-${layers}l-${dims.vocab}v-f16.gguf`);
const output = path.join(dir, `r1-bench-qwen1.5b-${layers}l-${dims.vocab}v-out.gguf`);
const clis = [...(values.js ? [`js:${path.join(repo, "bin/r1.js")}`] : []), path.join(repo, "bin/r1.js"), ...(values.r1 === undefined ? [] : values.r1.split(",")),
    ...(values["llama-quantize"] === undefined ? [] : [values["llama-quantize"]])];
const weights = await writeModel(input);
console.log(`model: ${(weights / 1e9).toFixed(3)} B weights, ${layers} layers, vocabulary ${dims.vocab}, ${((await stat(input)).size / 2 ** 30).toFixed(2)} GiB F16`);
console.log("| quantizer | type | threads | wall s | M weights/s | peak RSS MiB | this r1 / llama-quantize (weights/s) |");
console.log("|---|---|---|---|---|---|---|");
for (const threads of values.threads.split(",").map(Number)) {
    for (const type of values.type.split(",")) {
        for (let round = 0; round < Number(values.rounds); round++) {
            const times: number[] = [];
            for (const cli of clis) {
                const {seconds, rss} = await timeQuantize(cli, input, output, threads, type);
                times.push(seconds);
                // this r1 is the WASM run (after the JS-only one with --js)
                const ratio = cli === values["llama-quantize"] ? (times.at(-1)! / times[values.js ? 1 : 0]!).toFixed(2) : "";
                console.log(`| ${cli} | ${type} | ${threads} | ${seconds.toFixed(1)} | ${(weights / seconds / 1e6).toFixed(2)} | ${(rss / 2 ** 20).toFixed(0)} | ${ratio} |`);
            }
        }
    }
}
if (!values.keep) await Promise.all([rm(input, {force: true}), rm(output, {force: true})]);
