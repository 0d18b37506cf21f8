// F16 / BF16 source rows widened to float32 inside the module, so a slice goes from the file's
// bytes to the quantizer without a float32 array in JavaScript (one copy of 2 bytes per weight into
// this memory instead of a JS conversion plus a copy of 4). Values are those of the JS reference
// (src/quant/codecs/floatCodecs.ts), bit for bit.
import {fp16ToFp32} from "./float16";

// fp16 bits → float32 bits for all 65536 patterns (the JS reference's FP16_TO_FP32: every NaN is
// the positive quiet NaN 0x7FC00000), filled on first use.
const F16_TABLE = memory.data(65536 * 4, 16);
let f16Ready = false;

function fillF16Table(): void {
    for (let h: u32 = 0; h < 65536; h++) store<u32>(F16_TABLE + (<usize>h << 2), reinterpret<u32>(fp16ToFp32(h)));
    f16Ready = true;
}

/** `n` little-endian fp16 at `src` → float32 at `dst`. */
export function widenF16(src: usize, dst: usize, n: i32): void {
    if (!f16Ready) fillF16Table();
    for (let i = 0; i < n; i++) {
        store<u32>(dst + (<usize>i << 2), load<u32>(F16_TABLE + (<usize>load<u16>(src + (<usize>i << 1)) << 2)));
    }
}

/**
 * `n` little-endian bf16 at `src` → float32 at `dst`; returns how many were NaN. A NaN's bits after
 * the JS reference's round trip through a JS number are the engine's business, so the caller
 * converts a slice holding one with the JS codecs instead.
 */
export function widenBF16(src: usize, dst: usize, n: i32): i32 {
    let nans = 0;
    for (let i = 0; i < n; i++) {
        const bits = <u32>load<u16>(src + (<usize>i << 1)) << 16;
        if ((bits & 0x7FFFFFFF) > 0x7F800000) nans++;
        store<u32>(dst + (<usize>i << 2), bits);
    }
    return nans;
}
