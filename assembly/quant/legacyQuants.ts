// Q4_0, Q4_1, Q5_0, Q5_1: ports of the JS references in src/quant/codecs/legacyQuants.ts (ggml's
// `quantize_row_q4_0_ref` …), the same float32 operations in the same order, in native f32.
// x is float32 at a pointer, y the blocks at a pointer (this module's memory).
import {writeHalf} from "./float16";
import {jsToInt32} from "./rounding";

/** C conversion float → int8_t as the reference does it (JS ToInt32 of the value, low 8 bits signed). */
// @ts-ignore: decorator
@inline function toInt8(v: f32): i32 {
    return (jsToInt32(<f64>v) << 24) >> 24;
}

// @ts-ignore: decorator
@inline function ld(x: usize, j: i32): f32 {
    return load<f32>(x + (<usize>j << 2));
}

// The value of largest magnitude (the first of equal magnitudes), ggml's `max` of Q4_0/Q5_0.
function signedAbsMax(x: usize): f32 {
    let amax: f32 = 0, max: f32 = 0;
    for (let j = 0; j < 32; j++) {
        const v = ld(x, j);
        if (amax < Mathf.abs(v)) { amax = Mathf.abs(v); max = v; }
    }
    return max;
}

let blockMin: f32 = 0;

// min and max of a block (ggml starts from ±FLT_MAX); the min is left in `blockMin`.
function blockMax(x: usize): f32 {
    let min: f32 = 3.4028234663852886e38, max: f32 = -3.4028234663852886e38;
    for (let j = 0; j < 32; j++) {
        const v = ld(x, j);
        if (v < min) min = v;
        if (v > max) max = v;
    }
    blockMin = min;
    return max;
}

export function quantizeQ4_0(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 128, y += 18) {
        const d: f32 = signedAbsMax(x) / <f32>-8;
        const id: f32 = d != 0 ? <f32>1 / d : 0;
        writeHalf(y, d);
        for (let j = 0; j < 16; j++) {
            const x0: f32 = ld(x, j) * id, x1: f32 = ld(x, 16 + j) * id;
            const q0 = min(15, toInt8(x0 + <f32>8.5)), q1 = min(15, toInt8(x1 + <f32>8.5));
            store<u8>(y + 2 + <usize>j, <u8>((q0 & 0xFF) | ((q1 << 4) & 0xFF)));
        }
    }
}

export function quantizeQ4_1(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 128, y += 20) {
        const max = blockMax(x), mn = blockMin;
        const d: f32 = (max - mn) / <f32>15;
        const id: f32 = d != 0 ? <f32>1 / d : 0;
        writeHalf(y, d);
        writeHalf(y + 2, mn);
        for (let j = 0; j < 16; j++) {
            const x0: f32 = (ld(x, j) - mn) * id, x1: f32 = (ld(x, 16 + j) - mn) * id;
            const q0 = min(15, toInt8(x0 + <f32>0.5)), q1 = min(15, toInt8(x1 + <f32>0.5));
            store<u8>(y + 4 + <usize>j, <u8>((q0 & 0xFF) | ((q1 << 4) & 0xFF)));
        }
    }
}

export function quantizeQ5_0(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 128, y += 22) {
        const d: f32 = signedAbsMax(x) / <f32>-16;
        const id: f32 = d != 0 ? <f32>1 / d : 0;
        writeHalf(y, d);
        let qh: u32 = 0;
        for (let j = 0; j < 16; j++) {
            const x0: f32 = ld(x, j) * id, x1: f32 = ld(x, 16 + j) * id;
            const q0 = min(31, toInt8(x0 + <f32>16.5)) & 0xFF, q1 = min(31, toInt8(x1 + <f32>16.5)) & 0xFF;
            store<u8>(y + 6 + <usize>j, <u8>((q0 & 0x0F) | ((q1 & 0x0F) << 4)));
            qh |= <u32>((q0 & 0x10) >> 4) << <u32>j;
            qh |= <u32>((q1 & 0x10) >> 4) << <u32>(j + 16);
        }
        store<u32>(y + 2, qh);
    }
}

export function quantizeQ5_1(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 128, y += 24) {
        const max = blockMax(x), mn = blockMin;
        const d: f32 = (max - mn) / <f32>31;
        const id: f32 = d != 0 ? <f32>1 / d : 0;
        writeHalf(y, d);
        writeHalf(y + 2, mn);
        let qh: u32 = 0;
        for (let j = 0; j < 16; j++) {
            const x0: f32 = (ld(x, j) - mn) * id, x1: f32 = (ld(x, 16 + j) - mn) * id;
            const q0 = jsToInt32(<f64>(x0 + <f32>0.5)) & 0xFF, q1 = jsToInt32(<f64>(x1 + <f32>0.5)) & 0xFF;
            store<u8>(y + 8 + <usize>j, <u8>((q0 & 0x0F) | ((q1 & 0x0F) << 4)));
            qh |= <u32>((q0 & 0x10) >> 4) << <u32>j;
            qh |= <u32>((q1 & 0x10) >> 4) << <u32>(j + 16);
        }
        store<u32>(y + 4, qh);
    }
}
