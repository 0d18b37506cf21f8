/**
 * Whether ggml's AMX tile kernels, compiled by this machine's compiler with `-march=native`, run here:
 * - `usable`: the probe configured the tiles, zeroed one and read it back (with `compilerFlags` added,
 *   when it needed them: the build then adds them too);
 * - `unusable`: the CPU advertises AMX but the compiled tile code fails (SIGILL, or the kernel refuses
 *   the tile data); the build then leaves AMX out (`amxCompilerFlags`);
 * - `absent`: no AMX to speak of (another CPU or OS, or a compiler without AMX under `-march=native`).
 */
export interface AmxProbeResult {
    readonly state: "usable" | "unusable" | "absent";
    /** One line on why, for the build's first line and the log. */
    readonly detail: string;
    /** The flags the tile code needed to run (`AMX_NO_DSE_FLAGS`). Defaults to none. */
    readonly compilerFlags?: readonly string[];
}

/** How the compiled probe ended: its exit code or the signal that killed it, and what it printed. */
export interface AmxProbeOutcome {
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly stdout: string;
}

/** Exit codes of the probe program (`AMX_PROBE_SOURCE`). */
export const AMX_PROBE_EXIT = {usable: 0, osRefuses: 3, wrongResult: 4, notCompiled: 5} as const;

/** The GCC/Clang flags that keep `-march=native` from compiling AMX in (ggml's AMX code needs `__AMX_INT8__`). */
export const AMX_OFF_FLAGS = ["-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16"] as const;

/**
 * RTL dead-store elimination off. GCC 12's `_tile_loadconfig` builtin declares that it reads 8 bytes
 * of the 64-byte tile configuration, so at -O2 and above the RTL dead-store pass drops ggml's stores of
 * the tile shapes (`-fno-tree-dse` alone does not keep them); with the pass off the stores stay and the
 * tiles work. Costs little: the pass only removes stores it proves dead.
 */
export const AMX_NO_DSE_FLAGS = ["-fno-dse"] as const;

/** `true` when `/proc/cpuinfo`'s flags list both `amx_tile` and `amx_int8` (what ggml's AMX kernels use). */
export function cpuAdvertisesAmx(cpuinfo: string): boolean {
    const flagsLine = cpuinfo.split("\n").find((line) => /^flags\s*:/.test(line));
    if (flagsLine === undefined) return false;
    const flags = new Set(flagsLine.slice(flagsLine.indexOf(":") + 1).trim().split(/\s+/));
    return flags.has("amx_tile") && flags.has("amx_int8");
}

/** What a run of the compiled probe says about AMX. Any other failure counts as unusable: a build without AMX still runs. */
export function interpretAmxProbe(outcome: AmxProbeOutcome): AmxProbeResult {
    if (outcome.signal === "SIGILL")
        return {state: "unusable", detail: "the AMX tile code this compiler builds dies of SIGILL here (GCC 12, for one: its _tile_loadconfig lets the tile shapes be optimised away)"};
    if (outcome.signal !== null) return {state: "unusable", detail: `the AMX probe was killed by ${outcome.signal}`};
    switch (outcome.exitCode) {
        case AMX_PROBE_EXIT.usable:
            return {state: "usable", detail: "AMX tiles work with this compiler"};
        case AMX_PROBE_EXIT.notCompiled:
            return {state: "absent", detail: "-march=native does not enable AMX with this compiler"};
        case AMX_PROBE_EXIT.osRefuses:
            return {state: "unusable", detail: "the kernel refuses AMX tile data (arch_prctl ARCH_REQ_XCOMP_PERM)"};
        case AMX_PROBE_EXIT.wrongResult:
            return {state: "unusable", detail: "AMX tiles give wrong results with this compiler"};
        default:
            return {state: "unusable", detail: `the AMX probe exited with code ${outcome.exitCode}: ${outcome.stdout.trim().split("\n").at(-1) ?? ""}`.trim()};
    }
}

/**
 * The flags to probe again with after the plain probe ended in `outcome`: `AMX_NO_DSE_FLAGS` after a
 * SIGILL (how GCC 12's dropped tile configuration fails: the first `tilezero` finds no tiles), else
 * `undefined` (no second probe: a refusing kernel or a wrong result is not a dead-store problem).
 */
export function amxRetryFlags(outcome: AmxProbeOutcome): readonly string[] | undefined {
    return outcome.signal === "SIGILL" ? AMX_NO_DSE_FLAGS : undefined;
}

/**
 * The verdict from the plain probe and the second one with `flags` (`amxRetryFlags`): AMX kept with
 * those flags when the second probe found the tiles usable, else the plain probe's verdict, saying
 * the flags did not help. `retried` is `undefined` when there was no second probe.
 */
export function combineAmxProbes(plain: AmxProbeResult, retried: {readonly flags: readonly string[], readonly result: AmxProbeResult} | undefined): AmxProbeResult {
    if (retried === undefined || plain.state === "usable") return plain;
    const flags = retried.flags.join(" ");
    if (retried.result.state === "usable")
        return {state: "usable", compilerFlags: [...retried.flags],
            detail: `AMX tiles work with ${flags}; without it ${plain.detail}`};
    return {...plain, detail: `${plain.detail}; with ${flags} too (${retried.result.detail})`};
}

/**
 * Extra compiler flags for the build: AMX left out when it is unusable, the flags the probe needed
 * when it is usable with some (`-fno-dse` on GCC 12), nothing otherwise.
 */
export function amxCompilerFlags(result: AmxProbeResult): string[] {
    if (result.state === "unusable") return [...AMX_OFF_FLAGS];
    return result.state === "usable" ? [...result.compilerFlags ?? []] : [];
}
