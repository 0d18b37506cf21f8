/**
 * FP32 FLOPs one core can issue per cycle with the widest SIMD it has: 2 FMA pipes ×
 * vector lanes × 2 (multiply + add). AVX-512: 16 lanes; AVX2: 8; NEON (Apple/ARM v8): 4 lanes ×
 * 4 pipes on Apple P-cores, 2 on most others.
 */
export function flopsPerCycle(isa: readonly string[], arch: string): number {
    if (isa.includes("avx512f")) return 64;
    if (isa.includes("avx2")) return 32;
    if (arch === "arm64") return isa.includes("apple") ? 32 : 16;
    return 8;
}

/**
 * llama.cpp's CPU matmuls (quantized dot products, memory stalls, threading) reach a modest
 * fraction of the SIMD peak; 0.3 matches published llama-bench pp512 figures on desktop CPUs
 * within a factor of ~1.5. A `r1 hw --probe` or `r1 bench` calibration replaces it.
 */
export const CPU_MATMUL_EFFICIENCY = 0.3;

/** Estimated matmul FLOP/s of the whole CPU from ISA, physical cores and clock (MHz). */
export function estimateCpuFlops(isa: readonly string[], arch: string, physicalCores: number, clockMHz: number): number {
    // os.cpus() reports 0 MHz on some VMs and on Apple Silicon; 3 GHz is a typical sustained clock.
    const mhz = clockMHz > 0 ? clockMHz : 3000;
    return physicalCores * mhz * 1e6 * flopsPerCycle(isa, arch) * CPU_MATMUL_EFFICIENCY;
}
