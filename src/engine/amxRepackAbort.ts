import {cpuAdvertisesAmx} from "./llamaCppTools/amxProbeResult.js";

/**
 * The GGUF architectures that this llama.cpp (v0.4.0, node-llama-cpp 3.21.1's and the tools r1 builds)
 * cannot load with its AMX weight buffers: ggml's scheduler aborts the process with
 * `GGML_ASSERT(*cur_backend_id != -1)` (a weight in an AMX buffer feeds an op the AMX kernels do not
 * take, and no backend may run it). deepseek2 is DeepSeek-R1 671B's architecture (measured on the tiny
 * MoE, `tinyMoeVariant`); tensor overrides do not help, only turning the extra buffers off
 * (llama.cpp's `use_extra_bufts = false`, llama-server's `--no-repack`).
 */
export const AMX_ABORTING_ARCHITECTURES: readonly string[] = ["deepseek2"];

/** What decides whether a load would hit that abort: the model's `general.architecture` and this CPU. */
export interface AmxAbortFacts {
    /** The GGUF's `general.architecture`; `undefined` when it was not read (then nothing is assumed). */
    readonly architecture?: string;
    /** The CPU advertises AMX (`cpuAdvertisesAmx`), so a ggml build with AMX kernels uses them. */
    readonly cpuAmx?: boolean;
}

/** The facts for `architecture` on the CPU that `cpuinfo` (`/proc/cpuinfo`'s text) describes. */
export function amxAbortFacts(architecture: string | undefined, cpuinfo: string): AmxAbortFacts {
    return {...architecture === undefined ? {} : {architecture}, cpuAmx: cpuAdvertisesAmx(cpuinfo)};
}

/**
 * Whether the embedded engine would abort the whole r1 process on this load: node-llama-cpp's
 * prebuilt CPU backends pick their variant by the CPU (a Sapphire Rapids one with AMX kernels, here
 * too), it always uses the extra buffers and has no option to turn them off.
 */
export function embeddedAbortsOnAmx(facts: AmxAbortFacts): boolean {
    return facts.cpuAmx === true && facts.architecture !== undefined && AMX_ABORTING_ARCHITECTURES.includes(facts.architecture);
}

/**
 * Whether llama-server should start with `--no-repack` at once rather than after a first start that
 * reads (and for the 671B repacks hundreds of GB of) weights and then aborts: an aborting architecture
 * on an AMX CPU, unless the build is known to have left AMX out (`buildAmx`: the build stamp's probe
 * result; `unusable` builds with `-mno-amx-*`, `absent` has no AMX under `-march=native`; `undefined`
 * for a llama-server r1 did not build, which may have it).
 */
export function noRepackUpFront(facts: AmxAbortFacts & {readonly buildAmx?: "usable" | "unusable" | "absent" | undefined}): boolean {
    return embeddedAbortsOnAmx(facts) && facts.buildAmx !== "unusable" && facts.buildAmx !== "absent";
}
