import {GgmlType, ggmlTypeByName} from "../gguf/GgmlType.js";
import {LlamaFileType, llamaFileTypeByName} from "../gguf/LlamaFileType.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import type {TensorTypeOverride} from "./chooseTensorType.js";
import {canQuantizeTo} from "./quantizableTypes.js";

/**
 * A dynamic quantization recipe: `--tensor-type` rules (first match wins, applied before the
 * base file type's rules) on top of a base file type, which also decides `general.file_type`
 * and every tensor no rule names.
 */
export interface QuantRecipe {
    readonly name: string;
    readonly description: string;
    readonly baseFileType: LlamaFileType;
    readonly rules: readonly TensorTypeOverride[];
}

/** A recipe name or file that cannot be used. */
export class BadRecipeError extends R1Error {
    constructor(readonly recipe: string, detail: string) {
        super(`recipe ${recipe}: ${detail}`, {exitCode: ExitCode.usage, hint: "use a name from `r1 quantize --help` or a JSON file {baseType, rules: [[regex, type], …]}"});
    }
}

/** Untrusted recipe files are tiny; anything larger is not a recipe. */
export const MAX_RECIPE_FILE_BYTES = 1 << 20;
export const MAX_RECIPE_RULES = 1000;

const rule = (pattern: string, type: GgmlType): TensorTypeOverride => ({pattern: new RegExp(pattern), type});

// DeepSeek-V3/R1 (deepseek2 arch) tensor roles. Experts are ~95% of the 671B weights, so their
// type decides the size; attention, shared experts and the 3 dense layers are small and
// sensitive, so they stay at 4–6 bits (the idea behind Unsloth's dynamic R1 quants).
const denseFfn = String.raw`^blk\.\d+\.ffn_(gate|up|down)\.weight$`;
const sharedExperts = String.raw`ffn_(gate|up|down)_shexp`;
const attention = String.raw`\.attn_`;

// Unsloth keeps `ffn_down_exps` of a few MoE layers one step higher ("2.06/1.56 mix"): its UD-IQ1_S
// file has 6 IQ2_XXS down-projection tensors among 168 IQ1_S ones. Which layers is not published;
// the first six MoE layers (3–8) are assumed here.
const firstMoeDown = String.raw`^blk\.[3-8]\.ffn_down_exps`;

function moeRecipe(name: string, description: string, gateUpExperts: GgmlType, downExperts: GgmlType, firstDownExperts: GgmlType,
    rest: {attention: GgmlType, shared: GgmlType, dense: GgmlType, embd: GgmlType, output: GgmlType}): QuantRecipe {
    return {
        name, description, baseFileType: LlamaFileType.MOSTLY_Q2_K,
        rules: [
            rule(String.raw`^output\.weight$`, rest.output),
            rule(String.raw`^token_embd\.weight$`, rest.embd),
            rule(firstMoeDown, firstDownExperts),
            rule(String.raw`ffn_(gate|up)_exps`, gateUpExperts),
            rule(String.raw`ffn_down_exps`, downExperts),
            rule(sharedExperts, rest.shared),
            rule(denseFfn, rest.dense),
            rule(attention, rest.attention)
        ]
    };
}

const hi = {attention: GgmlType.Q4_K, shared: GgmlType.Q6_K, dense: GgmlType.Q4_K, embd: GgmlType.Q4_K, output: GgmlType.Q6_K};

/**
 * Named recipes for DeepSeek's MoE. On R1's 671B shapes (current MLA split) they plan to:
 * ud-1.58 130.5 GiB / 1.67 BPW (Unsloth's UD-IQ1_S file: 130.60 GiB / 1.67 BPW), ud-1.73 ≈155 GiB (158),
 * ud-2.22 181.2 GiB (182.7), ud-2.51 212.2 GiB (212), moe-3.5 305 GiB, moe-4.5 388 GiB.
 * The `ud-*` ones reproduce the layout of Unsloth's dynamic R1 families; the first three use IQ1/IQ2/IQ3_XXS types,
 * which (llama-quantize's rule) need an importance matrix. The others need none.
 */
export const quantRecipes: readonly QuantRecipe[] = [
    moeRecipe("ud-1.58", "~1.58-bit (like UD-IQ1_S, 131 GB): experts IQ1_S, down experts of MoE layers 3–8 IQ2_XXS; attention, "
        + "dense layers, embeddings Q4_K, shared experts and output Q6_K. Needs an importance matrix (--imatrix).",
    GgmlType.IQ1_S, GgmlType.IQ1_S, GgmlType.IQ2_XXS, hi),
    moeRecipe("ud-1.73", "~1.73-bit (like UD-IQ1_M, 158 GB): gate/up experts IQ1_M, down experts IQ2_XXS (IQ2_S in MoE layers 3–8), "
        + "attention and shared experts Q6_K. Needs an importance matrix (--imatrix).",
    GgmlType.IQ1_M, GgmlType.IQ2_XXS, GgmlType.IQ2_S, {...hi, attention: GgmlType.Q6_K}),
    moeRecipe("ud-2.22", "~2.22-bit (like UD-IQ2_XXS, 183 GB): gate/up experts IQ2_XXS, down experts IQ2_S (IQ3_XXS in MoE layers "
        + "3–8); rest as ud-1.58. Needs an importance matrix (--imatrix).", GgmlType.IQ2_XXS, GgmlType.IQ2_S, GgmlType.IQ3_XXS, hi),
    moeRecipe("ud-2.51", "~2.51-bit (like UD-Q2_K_XL, 212 GB): experts Q2_K, down experts of MoE layers 3–8 Q3_K; rest as "
        + "ud-1.58. r1 writes it (no imatrix needed).", GgmlType.Q2_K, GgmlType.Q2_K, GgmlType.Q3_K, hi),
    moeRecipe("moe-3.5", "~3.5-bit: gate/up experts Q3_K, down experts Q4_K (Q5_K in MoE layers 3–8), attention/shared/dense "
        + "Q6_K, output Q6_K. r1 writes it.", GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
    {attention: GgmlType.Q6_K, shared: GgmlType.Q6_K, dense: GgmlType.Q6_K, embd: GgmlType.Q4_K, output: GgmlType.Q6_K}),
    moeRecipe("moe-4.5", "~4.5-bit: gate/up experts Q4_K, down experts Q5_K (Q6_K in MoE layers 3–8), attention/shared/dense "
        + "Q8_0, output Q6_K. r1 writes it.", GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
    {attention: GgmlType.Q8_0, shared: GgmlType.Q8_0, dense: GgmlType.Q8_0, embd: GgmlType.Q6_K, output: GgmlType.Q6_K})
];

/** Types a recipe's rules use that llama-quantize only writes with an importance matrix (IQ1/IQ2, IQ3_XXS). */
export function recipeImatrixTypes(recipe: QuantRecipe): GgmlType[] {
    const needs = new Set([GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS]);
    return [...new Set(recipe.rules.map((r) => r.type))].filter((t) => needs.has(t));
}

/** Types a recipe uses that r1 cannot quantize (empty: r1 can write it). */
export function recipeUnsupportedTypes(recipe: QuantRecipe): GgmlType[] {
    return [...new Set(recipe.rules.map((r) => r.type))].filter((t) => !canQuantizeTo(t));
}

/** Finds a built-in recipe by name (case-insensitive). */
export function findQuantRecipe(name: string): QuantRecipe | undefined {
    return quantRecipes.find((r) => r.name.toLowerCase() === name.toLowerCase());
}

/**
 * Parses a recipe file's JSON: `{"name"?, "baseType": "Q4_K_M", "rules": [["regex", "Q6_K"], …]}`
 * (rules may also be `{"pattern", "type"}` objects).
 */
export function parseQuantRecipe(json: string, source: string): QuantRecipe {
    if (json.length > MAX_RECIPE_FILE_BYTES) throw new BadRecipeError(source, "file is too large");
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch (e) {
        throw new BadRecipeError(source, `not valid JSON (${(e as Error).message})`);
    }
    if (typeof raw !== "object" || raw === null) throw new BadRecipeError(source, "expected a JSON object");
    const obj = raw as Record<string, unknown>;
    const baseName = obj.baseType ?? obj.baseFileType ?? "Q4_K_M";
    const baseFileType = typeof baseName === "string" ? llamaFileTypeByName(baseName) : undefined;
    if (baseFileType === undefined) throw new BadRecipeError(source, `unknown baseType ${JSON.stringify(baseName)}`);
    if (!Array.isArray(obj.rules)) throw new BadRecipeError(source, "`rules` must be an array");
    if (obj.rules.length > MAX_RECIPE_RULES) throw new BadRecipeError(source, "too many rules");
    const rules = obj.rules.map((r: unknown, i: number) => {
        const [pattern, type] = Array.isArray(r) ? r : [(r as Record<string, unknown>)?.pattern, (r as Record<string, unknown>)?.type];
        if (typeof pattern !== "string" || typeof type !== "string") throw new BadRecipeError(source, `rule ${i} must be [regex, type]`);
        return parseTensorTypeOverride(`${pattern}=${type}`, source);
    });
    return {name: typeof obj.name === "string" ? obj.name : source, description: String(obj.description ?? ""), baseFileType, rules};
}

/** Parses one `REGEX=TYPE` (`--tensor-type`); the type is a ggml type name such as `Q6_K`. */
export function parseTensorTypeOverride(spec: string, source = "--tensor-type"): TensorTypeOverride {
    const eq = spec.lastIndexOf("=");
    if (eq <= 0) throw new BadRecipeError(source, `"${spec}" is not REGEX=TYPE`);
    const typeName = spec.slice(eq + 1).trim();
    const traits = ggmlTypeByName(typeName);
    if (traits === undefined) throw new BadRecipeError(source, `unknown tensor type "${typeName}"`);
    let pattern: RegExp;
    try {
        pattern = new RegExp(spec.slice(0, eq));
    } catch (e) {
        throw new BadRecipeError(source, `bad regex "${spec.slice(0, eq)}" (${(e as Error).message})`);
    }
    return {pattern, type: traits.type};
}
