// Q2_K and Q3_K without importance weights: ports of the JS reference src/quant/codecs/kQuants.ts
// (ggml's `quantize_row_q2_K_ref` / `quantize_row_q3_K_ref`) in native f32, same operation order.
import {writeHalf} from "./float16";
import {nearestInt} from "./rounding";
import {makeQ3Quants} from "./kQuantHelpers";
import {qkx2SubBlocks, Qkx2Weights} from "./kQuantHelpers4";
import {packQ2Q3, packQ3Levels} from "./kQuantPacking";

const L = memory.data(256, 16);
const scales = memory.data(16 * 4, 16);
const mins = memory.data(16 * 4, 16);

// @ts-ignore: decorator
@inline function f32At(p: usize, i: i32): usize { return p + (<usize>i << 2); }

export function quantizeQ2_K(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 1024, y += 84) {
        let maxScale: f32 = 0, maxMin: f32 = 0;
        // make_qkx2_quants on the 16 sub-blocks (weights |x|, mean absolute error), four at a time
        qkx2SubBlocks(x, 16, 16, 3, Qkx2Weights.Abs, L, scales, mins, -0.5, 0.1, 15, true);
        for (let j = 0; j < 16; j++) {
            const s = load<f32>(f32At(scales, j)), m = load<f32>(f32At(mins, j));
            if (s > maxScale) maxScale = s;
            if (m > maxMin) maxMin = m;
        }
        let d: f32 = 0, dmin: f32 = 0;
        if (maxScale > 0) {
            const is: f32 = <f32>15 / maxScale;
            for (let j = 0; j < 16; j++) store<u8>(y + <usize>j, <u8>nearestInt(is * load<f32>(f32At(scales, j))));
            d = writeHalf(y + 80, maxScale / 15);
        } else {
            memory.fill(y, 0, 16);
            d = writeHalf(y + 80, 0);
        }
        if (maxMin > 0) {
            const im: f32 = <f32>15 / maxMin;
            for (let j = 0; j < 16; j++) {
                store<u8>(y + <usize>j, <u8>(<i32>load<u8>(y + <usize>j) | (nearestInt(im * load<f32>(f32At(mins, j))) << 4)));
            }
            dmin = writeHalf(y + 82, maxMin / 15);
        } else {
            dmin = writeHalf(y + 82, 0);
        }
        for (let j = 0; j < 16; j++) {
            const s = <i32>load<u8>(y + <usize>j);
            const dd: f32 = d * <f32>(s & 0xF);
            if (dd == 0) continue;
            const dm: f32 = dmin * <f32>(s >> 4);
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt((load<f32>(f32At(x, 16 * j + ii)) + dm) / dd);
                store<u8>(L + <usize>(16 * j + ii), <u8>(l < 0 ? 0 : l > 3 ? 3 : l));
            }
        }
        packQ2Q3(y + 16, L);
    }
}

export function quantizeQ3_K(x: usize, y: usize, nBlocks: i32): void {
    for (let i = 0; i < nBlocks; i++, x += 1024, y += 110) {
        let maxScale: f32 = 0, amax: f32 = 0;
        for (let j = 0; j < 16; j++) {
            const s = makeQ3Quants(16, 4, f32At(x, 16 * j), L + <usize>(16 * j));
            store<f32>(f32At(scales, j), s);
            const a = Mathf.abs(s);
            if (a > amax) { amax = a; maxScale = s; }
        }
        const so = y + 96;
        memory.fill(so, 0, 12);
        let d: f32 = 0;
        if (maxScale != 0) {
            const iscale: f32 = <f32>-32 / maxScale;
            for (let j = 0; j < 16; j++) {
                let l = <i32><i8>nearestInt(iscale * load<f32>(f32At(scales, j)));
                l = (l < -32 ? -32 : l > 31 ? 31 : l) + 32;
                if (j < 8) store<u8>(so + <usize>j, <u8>(l & 0xF));
                else store<u8>(so + <usize>(j - 8), <u8>(<i32>load<u8>(so + <usize>(j - 8)) | ((l & 0xF) << 4)));
                const p = so + 8 + <usize>(j % 4);
                store<u8>(p, <u8>(<i32>load<u8>(p) | ((l >> 4) << (2 * (j >> 2)))));
            }
            d = writeHalf(y + 108, <f32>1 / iscale);
        } else {
            d = writeHalf(y + 108, 0);
        }
        packQ3Levels(x, y, d, L);
    }
}
