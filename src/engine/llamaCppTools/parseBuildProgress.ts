/** Where a compile is: `done` of `total` steps (Ninja), or a percentage as `done` of 100 (Make). */
export interface BuildProgress {
    readonly done: number;
    readonly total: number;
    /** What the step does, e.g. `Building CXX object …/ggml.cpp.o`. */
    readonly step: string;
}

/**
 * Reads one line of cmake --build output: Ninja's `[12/337] Building CXX object …` or Make's
 * `[ 45%] Building CXX object …`. Other lines (compiler warnings…) give `undefined`.
 */
export function parseBuildProgress(line: string): BuildProgress | undefined {
    const ninja = /^\[(\d+)\/(\d+)\] (.*)$/.exec(line);
    if (ninja !== null) {
        const total = Number(ninja[2]);
        if (total > 0) return {done: Math.min(Number(ninja[1]), total), total, step: ninja[3]!.trim()};
    }
    const make = /^\[\s*(\d{1,3})%\] (.*)$/.exec(line);
    if (make !== null) return {done: Math.min(Number(make[1]), 100), total: 100, step: make[2]!.trim()};
    return undefined;
}
