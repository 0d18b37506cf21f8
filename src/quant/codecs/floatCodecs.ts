// F32, F16, BF16 rows (gguf-quant-spec §3.3–§3.5): "quantizing" to them is a float conversion.
import {FP16_TO_FP32, bf16ToFp32, fp32ToBf16, fp32ToFp16} from "./float16.js";

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function quantizeF32(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number): void {
    const dv = new DataView(y.buffer, y.byteOffset, y.byteLength);
    for (let i = 0; i < n; i++) dv.setFloat32(yo + 4 * i, x[xo + i]!, true);
}

export function dequantizeF32(y: Uint8Array, yo: number, out: Float32Array, oo: number, n: number): void {
    if (littleEndian && (y.byteOffset + yo) % 4 === 0) {
        out.set(new Float32Array(y.buffer, y.byteOffset + yo, n), oo);
        return;
    }
    const dv = new DataView(y.buffer, y.byteOffset, y.byteLength);
    for (let i = 0; i < n; i++) out[oo + i] = dv.getFloat32(yo + 4 * i, true);
}

export function quantizeF16(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number): void {
    for (let i = 0; i < n; i++) {
        const h = fp32ToFp16(x[xo + i]!);
        y[yo + 2 * i] = h & 0xFF;
        y[yo + 2 * i + 1] = h >>> 8;
    }
}

export function dequantizeF16(y: Uint8Array, yo: number, out: Float32Array, oo: number, n: number): void {
    for (let i = 0; i < n; i++) out[oo + i] = FP16_TO_FP32[y[yo + 2 * i]! | (y[yo + 2 * i + 1]! << 8)]!;
}

export function quantizeBF16(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number): void {
    for (let i = 0; i < n; i++) {
        const h = fp32ToBf16(x[xo + i]!);
        y[yo + 2 * i] = h & 0xFF;
        y[yo + 2 * i + 1] = h >>> 8;
    }
}

export function dequantizeBF16(y: Uint8Array, yo: number, out: Float32Array, oo: number, n: number): void {
    for (let i = 0; i < n; i++) out[oo + i] = bf16ToFp32(y[yo + 2 * i]! | (y[yo + 2 * i + 1]! << 8));
}
