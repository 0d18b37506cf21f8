/**
 * Whether ggml's AMX tile kernels, compiled by this machine's compiler with `-march=native`, run here:
 * - `usable`: the probe configured the tiles, zeroed one and read it back;
 * - `unusable`: the CPU advertises AMX but the compiled tile code fails (SIGILL, or the kernel refuses
 *   the tile data); the build then leaves AMX out (`amxCompilerFlags`);
 * - `absent`: no AMX to speak of (another CPU or OS, or a compiler without AMX under `-march=native`).
 */
export interface AmxProbeResult {
    readonly state: "usable" | "unusable" | "absent";
    /** One line on why, for the build's first line and the log. */
    readonly detail: string;
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

/** Extra compiler flags for the build: AMX left out when it is unusable, nothing otherwise. */
export function amxCompilerFlags(result: AmxProbeResult): string[] {
    return result.state === "unusable" ? [...AMX_OFF_FLAGS] : [];
}
