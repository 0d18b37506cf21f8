// Throughput of each r1 quantizer on 4 Mi Gaussian weights, in weights per CPU-second of this
// thread (process.cpuUsage, so a busy machine distorts it less than wall time would). Each type
// runs `--reps` times after one warm-up; the best run is reported.
//
//   node --import tsx bench/quantCodecs.ts [--types Q4_K,Q6_K,...] [--reps 3] [--imatrix]
//
// `--imatrix` quantizes rows of 4096 with deterministic importance weights (ggml's quant_weights
// paths), which the IQ1/IQ2/IQ3 types need; e.g. `--imatrix --types IQ2_XXS,IQ1_S,Q4_K`.
import {parseArgs} from "node:util";
import {GgmlType, ggmlTypeByName} from "../src/gguf/GgmlType.js";
import {quantize, quantizeRows} from "../src/quant/codecs.js";

const {values} = parseArgs({options: {
    types: {type: "string", default: "Q8_0,Q4_0,Q4_1,Q5_0,Q5_1,Q2_K,Q3_K,Q4_K,Q5_K,Q6_K,IQ4_NL,IQ4_XS,TQ1_0,TQ2_0,F16,BF16"},
    reps: {type: "string", default: "3"},
    imatrix: {type: "boolean", default: false}
}});
const ROW = 4096;
const importance = Float32Array.from({length: ROW}, (_, i) => 0.25 + ((i * 7) % 11) / 8);
const run = (type: GgmlType, src: Float32Array) => values.imatrix ? quantizeRows(type, src, ROW, importance, out) : quantize(type, src, out);
const n = 1 << 22;
let s = 7;
const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };
const x = new Float32Array(n);
for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * 0.02;
const out = new Uint8Array(n * 2);
console.log("| type | M weights / CPU-s |");
console.log("|---|---|");
for (const name of values.types.split(",")) {
    const type = ggmlTypeByName(name)!.type;
    run(type, x.subarray(0, 1 << 16));
    let best = 0;
    for (let r = 0; r < Number(values.reps); r++) {
        const t0 = process.cpuUsage();
        run(type, x);
        const c = process.cpuUsage(t0);
        best = Math.max(best, n / ((c.user + c.system) / 1e6));
    }
    console.log(`| ${GgmlType[type]} | ${(best / 1e6).toFixed(2)} |`);
}
