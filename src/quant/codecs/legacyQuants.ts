// Q8_0, Q4_0, Q4_1, Q5_0, Q5_1: ports of ggml's `quantize_row_*_ref` / `dequantize_row_*`
// (gguf-quant-spec §4, §5.2–§5.3; MIT-licensed originals). Every float op is float32-rounded.
import {readHalf, writeHalf} from "./float16.js";
import {roundf, toInt8, toUint8} from "./rounding.js";

const f = Math.fround;

export function quantizeQ8_0(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 32, yo += 34) {
        let amax = 0;
        for (let j = 0; j < 32; j++) {
            const a = Math.abs(x[xo + j]!);
            amax = amax > a ? amax : a;
        }
        const d = f(amax / 127);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo, d);
        for (let j = 0; j < 32; j++) y[yo + 2 + j] = roundf(f(x[xo + j]! * id)) & 0xFF;
    }
}

export function dequantizeQ8_0(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 34, oo += 32) {
        const d = readHalf(y, yo);
        for (let j = 0; j < 32; j++) out[oo + j] = ((y[yo + 2 + j]! << 24) >> 24) * d;
    }
}

export function quantizeQ4_0(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 32, yo += 18) {
        let amax = 0, max = 0;
        for (let j = 0; j < 32; j++) {
            const v = x[xo + j]!;
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        const d = f(max / -8);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo, d);
        for (let j = 0; j < 16; j++) {
            const x0 = f(x[xo + j]! * id), x1 = f(x[xo + 16 + j]! * id);
            const q0 = Math.min(15, toInt8(f(x0 + 8.5))), q1 = Math.min(15, toInt8(f(x1 + 8.5)));
            y[yo + 2 + j] = (q0 & 0xFF) | ((q1 << 4) & 0xFF);
        }
    }
}

export function dequantizeQ4_0(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 18, oo += 32) {
        const d = readHalf(y, yo);
        for (let j = 0; j < 16; j++) {
            const q = y[yo + 2 + j]!;
            out[oo + j] = ((q & 15) - 8) * d;
            out[oo + 16 + j] = ((q >> 4) - 8) * d;
        }
    }
}

function minMax(x: Float32Array, xo: number): [number, number] {
    let min = 3.4028234663852886e38, max = -3.4028234663852886e38;
    for (let j = 0; j < 32; j++) {
        const v = x[xo + j]!;
        if (v < min) min = v;
        if (v > max) max = v;
    }
    return [min, max];
}

export function quantizeQ4_1(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 32, yo += 20) {
        const [min, max] = minMax(x, xo);
        const d = f(f(max - min) / 15);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo, d);
        writeHalf(y, yo + 2, min);
        for (let j = 0; j < 16; j++) {
            const x0 = f(f(x[xo + j]! - min) * id), x1 = f(f(x[xo + 16 + j]! - min) * id);
            const q0 = Math.min(15, toInt8(f(x0 + 0.5))), q1 = Math.min(15, toInt8(f(x1 + 0.5)));
            y[yo + 4 + j] = (q0 & 0xFF) | ((q1 << 4) & 0xFF);
        }
    }
}

export function dequantizeQ4_1(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 20, oo += 32) {
        const d = readHalf(y, yo), m = readHalf(y, yo + 2);
        for (let j = 0; j < 16; j++) {
            const q = y[yo + 4 + j]!;
            out[oo + j] = f((q & 15) * d) + m;
            out[oo + 16 + j] = f((q >> 4) * d) + m;
        }
    }
}

function writeU32(y: Uint8Array, o: number, v: number): void {
    y[o] = v & 0xFF; y[o + 1] = (v >>> 8) & 0xFF; y[o + 2] = (v >>> 16) & 0xFF; y[o + 3] = (v >>> 24) & 0xFF;
}

function readU32(y: Uint8Array, o: number): number {
    return (y[o]! | (y[o + 1]! << 8) | (y[o + 2]! << 16) | (y[o + 3]! << 24)) >>> 0;
}

export function quantizeQ5_0(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 32, yo += 22) {
        let amax = 0, max = 0;
        for (let j = 0; j < 32; j++) {
            const v = x[xo + j]!;
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        const d = f(max / -16);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo, d);
        let qh = 0;
        for (let j = 0; j < 16; j++) {
            const x0 = f(x[xo + j]! * id), x1 = f(x[xo + 16 + j]! * id);
            const q0 = Math.min(31, toInt8(f(x0 + 16.5))) & 0xFF, q1 = Math.min(31, toInt8(f(x1 + 16.5))) & 0xFF;
            y[yo + 6 + j] = (q0 & 0x0F) | ((q1 & 0x0F) << 4);
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        writeU32(y, yo + 2, qh >>> 0);
    }
}

export function dequantizeQ5_0(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 22, oo += 32) {
        const d = readHalf(y, yo), qh = readU32(y, yo + 2);
        for (let j = 0; j < 16; j++) {
            const q = y[yo + 6 + j]!;
            out[oo + j] = (((q & 15) | (((qh >>> j) & 1) << 4)) - 16) * d;
            out[oo + 16 + j] = (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16) * d;
        }
    }
}

export function quantizeQ5_1(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 32, yo += 24) {
        const [min, max] = minMax(x, xo);
        const d = f(f(max - min) / 31);
        const id = d !== 0 ? f(1 / d) : 0;
        writeHalf(y, yo, d);
        writeHalf(y, yo + 2, min);
        let qh = 0;
        for (let j = 0; j < 16; j++) {
            const x0 = f(f(x[xo + j]! - min) * id), x1 = f(f(x[xo + 16 + j]! - min) * id);
            const q0 = toUint8(f(x0 + 0.5)), q1 = toUint8(f(x1 + 0.5));
            y[yo + 8 + j] = (q0 & 0x0F) | ((q1 & 0x0F) << 4);
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        writeU32(y, yo + 4, qh >>> 0);
    }
}

export function dequantizeQ5_1(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 24, oo += 32) {
        const d = readHalf(y, yo), m = readHalf(y, yo + 2), qh = readU32(y, yo + 4);
        for (let j = 0; j < 16; j++) {
            const q = y[yo + 8 + j]!;
            out[oo + j] = f(((q & 15) | (((qh >>> j) & 1) << 4)) * d) + m;
            out[oo + 16 + j] = f(((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) * d) + m;
        }
    }
}
