// TQ1_0 and TQ2_0 (ternary): ports of ggml's `quantize_row_tqX_0_ref` / `dequantize_row_tqX_0`
// (gguf-quant-spec §4, §5.13; MIT-licensed originals).
import {readHalf, writeHalf} from "./float16.js";
import {roundf} from "./rounding.js";

const f = Math.fround;

function absMax(x: Float32Array, xo: number): number {
    let amax = 0;
    for (let j = 0; j < 256; j++) {
        const a = Math.abs(x[xo + j]!);
        amax = amax > a ? amax : a;
    }
    return amax;
}

export function quantizeTQ1_0(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 54) {
        const d = absMax(x, xo);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo + 52, d);
        const trit = (e: number) => roundf(f(x[xo + e]! * id)) + 1;
        for (let m = 0; m < 32; m++) {
            let q = 0;
            for (let n = 0; n < 5; n++) q = (q * 3 + trit(m + 32 * n)) & 0xFF;
            y[yo + m] = Math.trunc((q * 256 + 242) / 243) & 0xFF;
        }
        for (let m = 0; m < 16; m++) {
            let q = 0;
            for (let n = 0; n < 5; n++) q = (q * 3 + trit(160 + m + 16 * n)) & 0xFF;
            y[yo + 32 + m] = Math.trunc((q * 256 + 242) / 243) & 0xFF;
        }
        for (let j = 0; j < 4; j++) {
            let q = 0;
            for (let m = 0; m < 4; m++) q = (q * 3 + trit(240 + j + 4 * m)) & 0xFF;
            q = (q * 3) & 0xFF;
            y[yo + 48 + j] = Math.trunc((q * 256 + 242) / 243) & 0xFF;
        }
    }
}

const POW3 = [1, 3, 9, 27, 81, 243];

function digit(b: number, n: number): number {
    return (((b * POW3[n]!) & 0xFF) * 3) >> 8;
}

export function dequantizeTQ1_0(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 54, oo += 256) {
        const d = readHalf(y, yo + 52);
        for (let n = 0; n < 5; n++) {
            for (let m = 0; m < 32; m++) out[oo + 32 * n + m] = (digit(y[yo + m]!, n) - 1) * d;
            for (let m = 0; m < 16; m++) out[oo + 160 + 16 * n + m] = (digit(y[yo + 32 + m]!, n) - 1) * d;
        }
        for (let n = 0; n < 4; n++) {
            for (let j = 0; j < 4; j++) out[oo + 240 + 4 * n + j] = (digit(y[yo + 48 + j]!, n) - 1) * d;
        }
    }
}

export function quantizeTQ2_0(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 66) {
        const d = absMax(x, xo);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo + 64, d);
        for (let c = 0; c < 2; c++) {
            for (let m = 0; m < 32; m++) {
                let q = 0;
                for (let n = 0; n < 4; n++) q += ((roundf(f(x[xo + 128 * c + 32 * n + m]! * id)) + 1) & 3) << (2 * n);
                y[yo + 32 * c + m] = q & 0xFF;
            }
        }
    }
}

export function dequantizeTQ2_0(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 66, oo += 256) {
        const d = readHalf(y, yo + 64);
        for (let c = 0; c < 2; c++) {
            for (let n = 0; n < 4; n++) {
                for (let m = 0; m < 32; m++) out[oo + 128 * c + 32 * n + m] = (((y[yo + 32 * c + m]! >> (2 * n)) & 3) - 1) * d;
            }
        }
    }
}
