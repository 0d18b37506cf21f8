export {formatBytes} from "../util/formatBytes.js";

/** `1h02m`, `4m05s`, `12s`; `--` when unknown (no rate yet). */
export function formatDuration(seconds: number): string {
    if (!Number.isFinite(seconds) || seconds < 0) return "--";
    const s = Math.round(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Seconds left at `bytesPerSecond`, or `Infinity` while the rate is zero. */
export function etaSeconds(doneBytes: number, totalBytes: number, bytesPerSecond: number): number {
    return bytesPerSecond > 0 ? Math.max(0, totalBytes - doneBytes) / bytesPerSecond : Number.POSITIVE_INFINITY;
}
