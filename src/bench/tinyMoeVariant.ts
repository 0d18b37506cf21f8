import {requireVariant, type MoeArchitecture, type Variant} from "../catalog/index.js";

/** The quant of the tiny MoE: Q8_0's 32-wide blocks fit its small rows (K-quants need 256). */
export const TINY_MOE_QUANT = "Q8_0";

/**
 * DeepSeek-R1's architecture (deepseek2: MLA attention, a leading dense layer, routed experts with
 * a sigmoid router and shared experts) at toy widths: 3 layers, 64 wide, 4 experts of which 2
 * are used. `writeSyntheticModel` writes it with the real deepseek2 tensor names and metadata in
 * ~1 MB, so the experts-in-RAM layout (`--n-cpu-moe`, `-ot exps=CPU`) can be loaded and run in
 * tests. All widths are multiples of 32 (Q8_0 rows).
 */
export function tinyMoeVariant(): Variant {
    const r1 = requireVariant("deepseek-r1");
    const real = r1.architecture as MoeArchitecture;
    const architecture: MoeArchitecture = {
        ...real,
        layers: 3, hiddenSize: 64, heads: 2,
        qLoraRank: 32, kvLoraRank: 32, qkNopeHeadDim: 32, qkRopeHeadDim: 32, vHeadDim: 32,
        ffnSize: 128, denseLayers: 1, experts: 4, expertsUsed: 2, sharedExperts: 1, expertFfnSize: 64,
        vocabSize: 512
    };
    return {...r1, id: "tiny-deepseek2-moe", name: "tiny deepseek2 MoE", aliases: [], architecture, parameters: 0, quants: [TINY_MOE_QUANT]};
}
