// r1's hot ggml quantizers in WebAssembly (built by scripts/build-wasm.mjs into dist/wasm/quantCodecs.wasm).
// Each is a port of its JS reference in src/quant/codecs/ (itself a port of llama.cpp v0.4.0's
// ggml-quants.c `quantize_row_*_ref`): the same float32 operations in the same order per block,
// done in native f32, so the bytes are the same without Math.fround. The JS side
// (src/quant/codecs/wasmCodecs.ts) copies rows into the buffer from `alloc` and the blocks out.
import {readHalf, writeHalf} from "./float16";
import {jsToInt32, nearestInt, roundf} from "./rounding";
import {quantizeQ8_0BlockSimd} from "./q8_0Simd";
import {qkx2SubBlocks, Qkx2Weights, qxSubBlocks} from "./kQuantHelpers4";
import {minK4, packQ4Levels, packQ5Levels, packQ6Levels, scaleK4} from "./kQuantPacking";

/** Bump allocation in this module's memory (the JS side takes its buffers once). */
export function alloc(bytes: usize): usize {
    return heap.alloc(bytes);
}

export function quantizeQ8_0(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 128, y += 34) {
        if (quantizeQ8_0BlockSimd(x, y)) continue;
        let amax: f32 = 0;
        for (let j = 0; j < 32; j++) {
            const a = Mathf.abs(load<f32>(x + (<usize>j << 2)));
            amax = amax > a ? amax : a;
        }
        const d: f32 = amax / 127;
        const id: f32 = d != 0 ? <f32>1 / d : 0;
        writeHalf(y, d);
        for (let j = 0; j < 32; j++) {
            const v: f32 = load<f32>(x + (<usize>j << 2)) * id;
            store<u8>(y + 2 + <usize>j, <u8>jsToInt32(roundf(<f64>v)));
        }
    }
}

const L = memory.data(256, 16);
const scales = memory.data(16 * 4, 16);
const mins = memory.data(16 * 4, 16);

// Shared by Q4_K and Q5_K: sub-block scales and mins, packed into 12 bytes, plus d/dmin; then the
// levels requantized against the stored fp16 scales into L.
function quantizeK4Block(x: usize, y: usize, nmax: i32, rmin: f32, nstep: i32): void {
    let maxScale: f32 = 0, maxMin: f32 = 0;
    // make_qkx2_quants on the 8 sub-blocks, four at a time (weights av_x + |x|, av_x = √(Σx²/32))
    qkx2SubBlocks(x, 8, 32, nmax, Qkx2Weights.K4, L, scales, mins, rmin, 0.1, nstep, false);
    for (let j = 0; j < 8; j++) {
        const s = load<f32>(scales + (<usize>j << 2)), m = load<f32>(mins + (<usize>j << 2));
        if (s > maxScale) maxScale = s;
        if (m > maxMin) maxMin = m;
    }
    const invScale: f32 = maxScale > 0 ? <f32>63 / maxScale : 0;
    const invMin: f32 = maxMin > 0 ? <f32>63 / maxMin : 0;
    const so = y + 4;
    memory.fill(so, 0, 12);
    for (let j = 0; j < 8; j++) {
        let ls = nearestInt(invScale * load<f32>(scales + (<usize>j << 2))) & 0xFF;
        let lm = nearestInt(invMin * load<f32>(mins + (<usize>j << 2))) & 0xFF;
        if (ls > 63) ls = 63;
        if (lm > 63) lm = 63;
        if (j < 4) {
            store<u8>(so + <usize>j, <u8>ls);
            store<u8>(so + <usize>(j + 4), <u8>lm);
        } else {
            store<u8>(so + <usize>(j + 4), <u8>((ls & 0xF) | ((lm & 0xF) << 4)));
            store<u8>(so + <usize>(j - 4), <u8>(<i32>load<u8>(so + <usize>(j - 4)) | ((ls >> 4) << 6)));
            store<u8>(so + <usize>j, <u8>(<i32>load<u8>(so + <usize>j) | ((lm >> 4) << 6)));
        }
    }
    const d = writeHalf(y, maxScale / 63);
    const dmin = writeHalf(y + 2, maxMin / 63);
    for (let j = 0; j < 8; j++) {
        const dd: f32 = d * <f32>scaleK4(so, j);
        if (dd == 0) continue;
        const dm: f32 = dmin * <f32>minK4(so, j);
        for (let ii = 0; ii < 32; ii++) {
            const l = nearestInt((load<f32>(x + (<usize>(32 * j + ii) << 2)) + dm) / dd);
            store<u8>(L + <usize>(32 * j + ii), <u8>(l < 0 ? 0 : l > nmax ? nmax : l));
        }
    }
}

export function quantizeQ4_K(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 1024, y += 144) {
        quantizeK4Block(x, y, 15, -1, 20);
        packQ4Levels(y, L);
    }
}

export function quantizeQ5_K(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 1024, y += 176) {
        quantizeK4Block(x, y, 31, -0.5, 15);
        packQ5Levels(y, L);
    }
}

const scales6 = memory.data(16 * 4, 16);

export function quantizeQ6_K(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 1024, y += 210) {
        let maxScale: f32 = 0, maxAbsScale: f32 = 0;
        // make_qx_quants on the 16 sub-blocks (weights x²), four at a time
        qxSubBlocks(x, 0, 16, 16, 32, L, scales6);
        for (let ib = 0; ib < 16; ib++) {
            const s = load<f32>(scales6 + (<usize>ib << 2)), a = Mathf.abs(s);
            if (a > maxAbsScale) { maxAbsScale = a; maxScale = s; }
        }
        if (maxAbsScale < <f32>1e-15) {
            memory.fill(y, 0, 210);
            continue;
        }
        const iscale: f32 = <f32>-128 / maxScale;
        const d = writeHalf(y + 208, <f32>1 / iscale);
        for (let ib = 0; ib < 16; ib++) {
            let q = nearestInt(iscale * load<f32>(scales6 + (<usize>ib << 2)));
            if (q > 127) q = 127;
            store<u8>(y + 192 + <usize>ib, <u8>q);
        }
        for (let j = 0; j < 16; j++) {
            const dd: f32 = d * <f32>load<i8>(y + 192 + <usize>j);
            if (dd == 0) continue;
            for (let ii = 0; ii < 16; ii++) {
                let l = nearestInt(load<f32>(x + (<usize>(16 * j + ii) << 2)) / dd);
                l = l < -32 ? -32 : l > 31 ? 31 : l;
                store<u8>(L + <usize>(16 * j + ii), <u8>(l + 32));
            }
        }
        packQ6Levels(y, L);
    }
}

export {quantizeQ4_0, quantizeQ4_1, quantizeQ5_0, quantizeQ5_1} from "./legacyQuants";
export {quantizeIQ4_NL, quantizeIQ4_XS, quantizeIQ4_NLWeighted, quantizeIQ4_XSWeighted} from "./iq4Quants";
export {quantizeQ2_K, quantizeQ3_K} from "./kQuantsLow";
export {quantizeQ2_KWeighted, quantizeQ3_KWeighted, quantizeQ4_KWeighted, quantizeQ5_KWeighted, quantizeQ6_KWeighted} from "./kQuantsWeighted";
export {quantizeIQ2_XXS, quantizeIQ2_XS, quantizeIQ2_S} from "./iq2Quants";
export {widenF16, widenBF16} from "./widenFloats";
export {quantizeQ4_0Weighted, quantizeQ4_1Weighted, quantizeQ5_0Weighted, quantizeQ5_1Weighted} from "./legacyQuantsWeighted";
export {quantizeIQ3_XXS, quantizeIQ3_S} from "./iq3Quants";
export {quantizeIQ1_S, quantizeIQ1_M} from "./iq1Quants";
