/** `1.23 GB`, `456 MB`, `12 KB`, `512 B`, in decimal units as download sizes are quoted. */
export function formatBytes(bytes: number): string {
    if (!Number.isFinite(bytes) || bytes < 0) return "?";
    const units = ["B", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

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
