// ggml's integer rounding helpers (gguf-quant-spec §3.2).
const nb = new Float32Array(1);
const ni = new Int32Array(nb.buffer);

/** `nearest_int`: float32 add of 1.5·2^23, then the low mantissa bits (round half to even in range). */
export function nearestInt(v: number): number {
    // In range, the float32 sum minus the magic constant is the same integer, without a memory
    // round trip; out of range (degenerate inputs) the bit pattern is what C computes.
    if (v > -4194303 && v < 4194303) return Math.fround(v + 12582912) - 12582912;
    nb[0] = v + 12582912;
    return (ni[0]! & 0x007FFFFF) - 0x00400000;
}

/** C `roundf`/`lroundf`: half away from zero. */
export function roundf(v: number): number {
    return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/** C conversion float → int8_t (truncation, then the low 8 bits as x86 does). */
export function toInt8(v: number): number {
    return (Math.trunc(v) << 24) >> 24;
}

/** C conversion float → uint8_t. */
export function toUint8(v: number): number {
    return Math.trunc(v) & 0xFF;
}
