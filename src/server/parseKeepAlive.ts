const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** Longest keep-alive honoured; longer ones (and negative ones) mean "keep loaded". */
const MAX_KEEP_ALIVE_MS = 365 * 24 * 3_600_000;

/**
 * Ollama's `keep_alive`: a number of seconds, or a Go-style duration (`"5m"`, `"1h30m"`,
 * `"300ms"`, `"10"`). Returns milliseconds, `-1` for "keep loaded" (any negative value), or
 * `undefined` when `value` is absent. Throws `TypeError` for anything else.
 */
export function parseKeepAlive(value: unknown): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new TypeError("keep_alive must be a finite number of seconds");
        return clamp(value * 1000);
    }
    if (typeof value !== "string") throw new TypeError("keep_alive must be a number of seconds or a duration like \"5m\"");
    const text = value.trim();
    if (/^-?\d+(\.\d+)?$/.test(text)) return clamp(Number(text) * 1000);
    const match = /^(-?)((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)$/.exec(text);
    if (match === null) throw new TypeError(`keep_alive "${value.slice(0, 40)}" is not a duration like "5m" or "30s"`);
    let ms = 0;
    for (const part of match[2]!.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(part[1]) * UNIT_MS[part[2]!]!;
    return clamp(match[1] === "-" ? -ms : ms);
}

function clamp(ms: number): number {
    if (ms < 0 || ms > MAX_KEEP_ALIVE_MS) return -1;
    return Math.round(ms);
}
