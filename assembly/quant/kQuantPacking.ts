// How the k-quants pack their levels and sub-block scales (ggml-quants.c's block_q2_K … block_q6_K),
// shared by the plain and the importance-weighted quantizers. `L` holds one byte per level.
import {nearestInt} from "./rounding";

/** `get_scale_min_k4`: sub-block j's 6-bit scale from the 12 packed bytes at `s` (Q4_K, Q5_K). */
// @ts-ignore: decorator
@inline export function scaleK4(s: usize, j: i32): i32 {
    return j < 4 ? <i32>load<u8>(s + <usize>j) & 63
        : (<i32>load<u8>(s + <usize>(j + 4)) & 15) | ((<i32>load<u8>(s + <usize>(j - 4)) >> 6) << 4);
}

/** `get_scale_min_k4`: sub-block j's 6-bit min. */
// @ts-ignore: decorator
@inline export function minK4(s: usize, j: i32): i32 {
    return j < 4 ? <i32>load<u8>(s + <usize>(j + 4)) & 63
        : (<i32>load<u8>(s + <usize>(j + 4)) >> 4) | ((<i32>load<u8>(s + <usize>j) >> 6) << 4);
}

/** Q3_K's signed 6-bit scale of sub-block j from the 12 bytes at `s`. */
// @ts-ignore: decorator
@inline export function q3Scale(s: usize, j: i32): i32 {
    const lo = j < 8 ? <i32>load<u8>(s + <usize>j) & 15 : <i32>load<u8>(s + <usize>(j - 8)) >> 4;
    const hi = (<i32>load<u8>(s + 8 + <usize>(j % 4)) >> (2 * (j >> 2))) & 3;
    return (lo | (hi << 4)) - 32;
}

/** Q2_K/Q3_K: 256 2-bit levels into 64 bytes at `q`. */
export function packQ2Q3(q: usize, L: usize): void {
    for (let j = 0; j < 256; j += 128) {
        for (let l = 0; l < 32; l++) {
            const b = L + <usize>(j + l);
            store<u8>(q + <usize>(j / 4 + l), <u8>(<i32>load<u8>(b) | (<i32>load<u8>(b + 32) << 2) | (<i32>load<u8>(b + 64) << 4) | (<i32>load<u8>(b + 96) << 6)));
        }
    }
}

/** Q4_K: 256 4-bit levels into the block's 128 bytes at `y + 16`. */
export function packQ4Levels(y: usize, L: usize): void {
    for (let g = 0; g < 4; g++) {
        for (let l = 0; l < 32; l++) {
            const a = <i32>load<u8>(L + <usize>(64 * g + l)), b = <i32>load<u8>(L + <usize>(64 * g + 32 + l));
            store<u8>(y + 16 + <usize>(32 * g + l), <u8>(a | (b << 4)));
        }
    }
}

/** Q5_K: 256 5-bit levels into the block's high bits (`y + 16`) and low nibbles (`y + 48`). */
export function packQ5Levels(y: usize, L: usize): void {
    const qh = y + 16, ql = y + 48;
    memory.fill(qh, 0, 32);
    for (let g = 0; g < 4; g++) {
        for (let j = 0; j < 32; j++) {
            let l1 = <i32>load<u8>(L + <usize>(64 * g + j)), l2 = <i32>load<u8>(L + <usize>(64 * g + 32 + j));
            if (l1 > 15) { l1 -= 16; store<u8>(qh + <usize>j, <u8>(<i32>load<u8>(qh + <usize>j) | (1 << (2 * g)))); }
            if (l2 > 15) { l2 -= 16; store<u8>(qh + <usize>j, <u8>(<i32>load<u8>(qh + <usize>j) | (2 << (2 * g)))); }
            store<u8>(ql + <usize>(32 * g + j), <u8>(l1 | (l2 << 4)));
        }
    }
}

/** Q6_K: 256 levels in [0, 63] into the low nibbles (`y`) and high bit pairs (`y + 128`). */
export function packQ6Levels(y: usize, L: usize): void {
    for (let h = 0; h < 2; h++) {
        const ql = y + <usize>(64 * h), qh = y + 128 + <usize>(32 * h), b = 128 * h;
        for (let l = 0; l < 32; l++) {
            const q1 = <i32>load<u8>(L + <usize>(b + l)), q2 = <i32>load<u8>(L + <usize>(b + l + 32));
            const q3 = <i32>load<u8>(L + <usize>(b + l + 64)), q4 = <i32>load<u8>(L + <usize>(b + l + 96));
            store<u8>(ql + <usize>l, <u8>((q1 & 0xF) | ((q3 & 0xF) << 4)));
            store<u8>(ql + 32 + <usize>l, <u8>((q2 & 0xF) | ((q4 & 0xF) << 4)));
            store<u8>(qh + <usize>l, <u8>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
        }
    }
}

/**
 * Q3_K's last step, the same in the plain and the weighted quantizer (ggml's `quantize_row_q3_K_ref` and
 * `quantize_row_q3_K_impl`): each of the 256 floats at `x` requantized against its sub-block's stored scale
 * (`d`, the block's scale as stored in fp16, times the 6-bit scales at `y + 96`), the high bit into hmask at `y`,
 * the low two bits packed at `y + 32`. `L` is 256 bytes of scratch.
 */
export function packQ3Levels(x: usize, y: usize, d: f32, L: usize): void {
    const so = y + 96;
    for (let j = 0; j < 16; j++) {
        const dd: f32 = d * <f32>q3Scale(so, j);
        if (dd == 0) continue;
        for (let ii = 0; ii < 16; ii++) {
            const l = nearestInt(load<f32>(x + (<usize>(16 * j + ii) << 2)) / dd);
            store<u8>(L + <usize>(16 * j + ii), <u8>((l < -4 ? -4 : l > 3 ? 3 : l) + 4));
        }
    }
    memory.fill(y, 0, 32);
    for (let e = 0; e < 256; e++) {
        const le = <i32>load<u8>(L + <usize>e);
        if (le > 3) {
            const p = y + <usize>(e & 31);
            store<u8>(p, <u8>(<i32>load<u8>(p) | (1 << (e >> 5))));
            store<u8>(L + <usize>e, <u8>(le - 4));
        }
    }
    packQ2Q3(y + 32, L);
}
