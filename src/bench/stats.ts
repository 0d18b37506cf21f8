/** Arithmetic mean; `NaN` for no values. */
export function mean(values: readonly number[]): number {
    return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1), as llama-bench reports it; 0 for fewer than two values. */
export function standardDeviation(values: readonly number[]): number {
    if (values.length < 2) return 0;
    const m = mean(values);
    return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * The `p`-th percentile (0–100) by linear interpolation between closest ranks; `NaN` for no
 * values. Per-token times are reported as percentiles because a few 50–300 ms stalls (shared
 * memory bandwidth) dominate the mean on small machines.
 */
export function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) return Number.NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}
