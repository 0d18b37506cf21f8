// Throughput of each r1 quantizer on 4 Mi Gaussian weights, in weights per CPU-second of this
// thread (process.cpuUsage, so a busy machine distorts it less than wall time would). Each type
// runs `--reps` times after one warm-up; the best run is reported.
//
//   node --import tsx bench/quantCodecs.ts [--types Q4_K,Q6_K,...] [--reps 3] [--imatrix]
//
// `--imatrix` quantizes rows of 4096 with deterministic importance weights (ggml's quant_weights
// paths), which the IQ1/IQ2/IQ3 types need; e.g. `--imatrix --types IQ2_XXS,IQ1_S,Q4_K`.
// Types with a WebAssembly quantizer (src/quant/codecs/wasmCodecs.ts) are timed against their JS
// reference too, alternated rep by rep (JS, WASM, JS, WASM, …), and the ratio is per rep.
import {parseArgs} from "node:util";
import {GgmlType, ggmlTypeByName} from "../src/gguf/GgmlType.js";
import {ggmlCodec, quantize, quantizeRows} from "../src/quant/codecs.js";
import {quantizeQ8_0} from "../src/quant/codecs/legacyQuants.js";
import {quantizeQ2_K, quantizeQ3_K, quantizeQ4_K, quantizeQ5_K, quantizeQ6_K} from "../src/quant/codecs/kQuants.js";
import * as kqw from "../src/quant/codecs/kQuantsWeighted.js";
import * as iq1 from "../src/quant/codecs/iq1Quants.js";
import * as iq2 from "../src/quant/codecs/iq2Quants.js";
import * as iq3 from "../src/quant/codecs/iq3Quants.js";

// The JS references of the types that have a WASM quantizer.
const jsReference = new Map([[GgmlType.Q8_0, quantizeQ8_0], [GgmlType.Q2_K, quantizeQ2_K], [GgmlType.Q3_K, quantizeQ3_K],
    [GgmlType.Q4_K, quantizeQ4_K], [GgmlType.Q5_K, quantizeQ5_K], [GgmlType.Q6_K, quantizeQ6_K]]);
// …and of those with a WASM quantizer with importance weights (`--imatrix`), one row at a time.
const jsWeightedReference = new Map([[GgmlType.Q2_K, kqw.quantizeQ2_KWeighted], [GgmlType.Q3_K, kqw.quantizeQ3_KWeighted],
    [GgmlType.Q4_K, kqw.quantizeQ4_KWeighted], [GgmlType.Q5_K, kqw.quantizeQ5_KWeighted], [GgmlType.Q6_K, kqw.quantizeQ6_KWeighted],
    [GgmlType.IQ2_XXS, iq2.quantizeIQ2_XXSWeighted], [GgmlType.IQ2_XS, iq2.quantizeIQ2_XSWeighted], [GgmlType.IQ2_S, iq2.quantizeIQ2_SWeighted],
    [GgmlType.IQ3_XXS, iq3.quantizeIQ3_XXSWeighted], [GgmlType.IQ3_S, iq3.quantizeIQ3_SWeighted],
    [GgmlType.IQ1_S, iq1.quantizeIQ1_SWeighted], [GgmlType.IQ1_M, iq1.quantizeIQ1_MWeighted]]);

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
const rate = (f: () => void) => {
    const t0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(t0);
    return n / ((c.user + c.system) / 1e6);
};
console.log("| type | backend | M weights / CPU-s (best) | WASM / JS per rep |");
console.log("|---|---|---|---|");
for (const name of values.types.split(",")) {
    const type = ggmlTypeByName(name)!.type;
    const c = ggmlCodec(type)!;
    const weighted = values.imatrix && c.quantizeWeighted !== undefined;
    const jsW = weighted ? jsWeightedReference.get(type) : undefined, jsP = weighted ? undefined : jsReference.get(type);
    const js = jsW !== undefined
        ? () => { for (let r = 0; r < n / ROW; r++) jsW(x, r * ROW, out, r * ROW / c.blockSize * c.typeSize, ROW, importance, 0); }
        : jsP !== undefined ? () => jsP(x, 0, out, 0, n / c.blockSize) : undefined;
    const backend = weighted ? c.weightedBackend : c.backend;
    const wasm = js !== undefined && backend === "wasm";
    run(type, x.subarray(0, 1 << 16));
    let best = 0, bestJs = 0;
    const ratios: string[] = [];
    for (let r = 0; r < Number(values.reps); r++) {
        const a = wasm ? rate(js) : 0;
        const b = rate(() => run(type, x));
        best = Math.max(best, b);
        if (wasm) { bestJs = Math.max(bestJs, a); ratios.push((b / a).toFixed(2)); }
    }
    if (wasm) console.log(`| ${GgmlType[type]} | js | ${(bestJs / 1e6).toFixed(2)} | |`);
    console.log(`| ${GgmlType[type]} | ${backend} | ${(best / 1e6).toFixed(2)} | ${ratios.join(", ")} |`);
}
