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

/** A median with a bootstrap confidence interval. */
export interface MedianInterval {
    median: number;
    low: number;
    high: number;
}

/**
 * Median of `values` with a percentile-bootstrap interval (`confidence` 0.95, 2,000 resamples by
 * default). Seeded, so the same figures give the same interval. Used for per-round ratios of two
 * contenders on a noisy machine: whether a target ratio lies inside the interval decides whether
 * a difference was shown at all.
 */
export function medianInterval(values: readonly number[], options: {confidence?: number, resamples?: number, seed?: number} = {}): MedianInterval {
    const {confidence = 0.95, resamples = 2000, seed = 1} = options;
    if (values.length === 0) return {median: Number.NaN, low: Number.NaN, high: Number.NaN};
    let state = seed >>> 0 || 1;
    // xorshift32: enough randomness for resampling, and reproducible.
    const next = () => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return (state >>> 0) / 0x1_0000_0000;
    };
    const medians = Array.from({length: resamples}, () => percentile(Array.from({length: values.length}, () => values[Math.floor(next() * values.length)]!), 50));
    const tail = ((1 - confidence) / 2) * 100;
    return {median: percentile(values, 50), low: percentile(medians, tail), high: percentile(medians, 100 - tail)};
}
