import {readFile, stat} from "node:fs/promises";
import {availableParallelism} from "node:os";
import type {CommandModule} from "yargs";
import pc from "picocolors";
import cliProgress from "cli-progress";
import {GgmlType, ggmlTypeByName} from "../../gguf/GgmlType.js";
import {LlamaFileType, llamaFileTypeByName} from "../../gguf/LlamaFileType.js";
import {readGguf} from "../../gguf/readGguf.js";
import {
    BadRecipeError, findQuantRecipe, fileTypeLabel, MAX_RECIPE_FILE_BYTES, parseQuantRecipe,
    loadImportanceWeights, parseTensorTypeOverride, planQuantization, quantizeGgufIter, QuantizeInterruptedError, quantRecipes,
    type ImportanceWeights, type QuantizationPlan, type QuantRecipe, type TensorTypeOverride, type TensorTypeRules
} from "../../quant/index.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {renderTable} from "../renderTable.js";
import {formatBytes} from "../../util/formatBytes.js";
import {withThreads} from "../options/threads.js";

/** File types `r1 quantize --type` accepts (the ones r1 writes byte-identically with llama.cpp; IQ1/IQ2/IQ3_XXS need --imatrix). */
export const QUANTIZE_FILE_TYPES = ["Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q4_K_M", "Q4_K_S", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "Q4_0", "IQ4_NL", "IQ4_XS",
    "IQ3_M", "IQ3_S", "IQ3_XXS", "IQ2_M", "IQ2_S", "IQ2_XS", "IQ2_XXS", "IQ1_M", "IQ1_S"];

interface QuantizeArgs {
    input: string;
    output?: string;
    type?: string;
    "tensor-type"?: string[];
    recipe?: string;
    "dry-run": boolean;
    threads?: number;
    "allow-requantize": boolean;
    json: boolean;
    pure: boolean;
    "leave-output-tensor": boolean;
    "token-embedding-type"?: string;
    "output-tensor-type"?: string;
    imatrix?: string;
    "include-weights"?: string[];
    "exclude-weights"?: string[];
}

export const quantizeCommand: CommandModule<object, QuantizeArgs> = {
    command: "quantize <input> [output]",
    describe: "quantize a GGUF model like llama-quantize (byte-identical), with dynamic MoE recipes",
    builder: (y) => withThreads(y, {describe: `worker threads (default: all ${availableParallelism()} cores)`})
        .positional("input", {type: "string", demandOption: true, describe: "F16/BF16/F32 GGUF file (the first part of a split model)"})
        .positional("output", {type: "string", describe: "output .gguf (not needed with --dry-run)"})
        .option("type", {type: "string", describe: `file type: ${QUANTIZE_FILE_TYPES.join(", ")} (default Q4_K_M, or the recipe's)`})
        .option("tensor-type", {type: "string", array: true, describe: "REGEX=TYPE per-tensor override, first match wins (repeatable)"})
        .option("recipe", {type: "string", describe: `dynamic recipe: ${quantRecipes.map((r) => r.name).join(", ")}, or a .json file`})
        .option("dry-run", {type: "boolean", default: false, describe: "print the per-tensor plan, size and bits per weight; write nothing"})
        .option("allow-requantize", {type: "boolean", default: false, describe: "allow re-quantizing an already quantized input (loses quality)"})
        .option("json", {type: "boolean", default: false, describe: "with --dry-run: the plan as JSON"})
        .option("pure", {type: "boolean", default: false, describe: "every quantized tensor in the file type's base type: skip its \"more bits\" rules (llama-quantize --pure)"})
        .option("leave-output-tensor", {type: "boolean", default: false, describe: "keep output.weight as it is in the input"})
        .option("token-embedding-type", {type: "string", describe: "type for token_embd.weight, e.g. q8_0"})
        .option("output-tensor-type", {type: "string", describe: "type for output.weight, e.g. q8_0"})
        .option("imatrix", {type: "string", describe: "importance matrix (llama-imatrix .gguf or legacy .dat; make one with `r1 imatrix`): needed by IQ1/IQ2/IQ3_XXS, improves the others"})
        .option("include-weights", {type: "string", array: true, describe: "use the imatrix only for tensors whose name contains this (repeatable)"})
        .option("exclude-weights", {type: "string", array: true, describe: "do not use the imatrix for tensors whose name contains this (repeatable)"})
        .epilog(["Recipes:", ...quantRecipes.map((r) => `  ${r.name.padEnd(8)} ${r.description}`)].join("\n")),
    handler: async (args) => {
        const recipe = args.recipe === undefined ? undefined : await loadRecipe(args.recipe);
        const fileType = resolveFileType(args.type, recipe);
        const userOverrides = (args["tensor-type"] ?? []).map((spec) => parseTensorTypeOverride(spec));
        const overrides = [...userOverrides, ...(recipe?.rules ?? [])];
        const rules = tensorTypeRules(args);
        const threads = args.threads ?? availableParallelism();
        const imatrix = await loadImatrixArg(args);

        if (args["dry-run"]) {
            const file = await readGguf(args.input);
            const q = planQuantization(file, {fileType, overrides, ...rules, ...(imatrix ? {imatrix} : {})});
            assertOverridesUsed(q, userOverrides);
            printPlan(q, file.fileSize, args.json, recipe);
            return;
        }
        if (args.output === undefined) throw new R1Error("say where to write the output: r1 quantize <input> <output> --type T", {exitCode: ExitCode.usage});
        await runQuantize(args, fileType, overrides, userOverrides, {...rules, ...(imatrix ? {imatrix} : {})}, threads);
    }
};

async function loadImatrixArg(args: QuantizeArgs): Promise<ImportanceWeights | undefined> {
    const include = args["include-weights"] ?? [], exclude = args["exclude-weights"] ?? [];
    if (args.imatrix === undefined) {
        if (include.length > 0 || exclude.length > 0)
            throw new R1Error("--include-weights / --exclude-weights need --imatrix FILE", {exitCode: ExitCode.usage});
        return undefined;
    }
    const weights = await loadImportanceWeights(args.imatrix, {include, exclude});
    if (weights === undefined) process.stderr.write(`${pc.yellow("warning:")} no imatrix entry is left after --include/--exclude-weights: quantizing without one\n`);
    return weights;
}

/** `--pure`, `--leave-output-tensor`, `--token-embedding-type`, `--output-tensor-type`, as llama-quantize takes them. */
function tensorTypeRules(args: QuantizeArgs): TensorTypeRules {
    const typeOf = (flag: "token-embedding-type" | "output-tensor-type"): GgmlType | undefined => {
        const name = args[flag];
        if (name === undefined) return undefined;
        const traits = ggmlTypeByName(name);
        if (traits === undefined) throw new R1Error(`unknown --${flag} ${name}`, {exitCode: ExitCode.usage, hint: "use a ggml type name such as q8_0, q6_K, f16"});
        return traits.type;
    };
    const tokenEmbeddingType = typeOf("token-embedding-type");
    const outputTensorType = typeOf("output-tensor-type");
    return {
        pure: args.pure, leaveOutputTensor: args["leave-output-tensor"],
        ...(tokenEmbeddingType === undefined ? {} : {tokenEmbeddingType}),
        ...(outputTensorType === undefined ? {} : {outputTensorType})
    };
}

async function runQuantize(args: QuantizeArgs, fileType: LlamaFileType, overrides: TensorTypeOverride[],
    userOverrides: TensorTypeOverride[], rules: TensorTypeRules & {imatrix?: ImportanceWeights}, threads: number): Promise<void> {
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const tty = process.stderr.isTTY === true;
    const bar = new cliProgress.SingleBar({
        format: `${pc.cyan("{bar}")} {percentage}% | {tensors} tensors | {written}/{total} MB | {rate} Mw/s | {name}`,
        barCompleteChar: "█", barIncompleteChar: "░", hideCursor: true, noTTYOutput: false, stream: process.stderr
    }, cliProgress.Presets.shades_classic);
    const started = performance.now();
    let barStarted = false;
    try {
        for await (const event of quantizeGgufIter({
            input: args.input, output: args.output!, fileType, overrides, ...rules, threads,
            allowRequantize: args["allow-requantize"], signal: controller.signal
        })) {
            if (event.type === "plan") {
                assertOverridesUsed(event.plan, userOverrides);
                if (event.plan.requantized.length > 0)
                    process.stderr.write(`${pc.yellow("warning:")} re-quantizing ${event.plan.requantized.length} already quantized tensor(s): quality drops compared with quantizing from F16/BF16\n`);
                process.stderr.write(`quantizing ${args.input} → ${args.output} as ${fileTypeLabel(fileType)} ` +
                    `(${size(event.plan.outputFileSize)}, ${event.plan.plan.bitsPerWeight.toFixed(2)} BPW) on ${event.threads} thread(s)\n`);
                if (tty) {
                    bar.start(event.plan.plan.totalElements, 0, {tensors: `0/${event.plan.plan.tensors.length}`, written: "0", total: mb(event.plan.outputFileSize), rate: "0", name: ""});
                    barStarted = true;
                }
            } else if (event.type === "progress" && barStarted) {
                const seconds = (performance.now() - started) / 1000;
                bar.update(event.weightsDone, {
                    tensors: `${event.tensorsDone}/${event.tensorCount}`, written: mb(event.bytesWritten), total: mb(event.totalBytes),
                    rate: seconds > 0 ? (event.weightsDone / seconds / 1e6).toFixed(1) : "0", name: event.tensor
                });
            } else if (event.type === "done") {
                if (barStarted) bar.stop();
                barStarted = false;
                process.stderr.write(`${pc.green("done:")} ${event.path} ${size(event.bytes)} in ${event.seconds.toFixed(1)} s ` +
                    `(${(event.weights / event.seconds / 1e6).toFixed(1)} M weights/s)\n`);
            }
        }
    } catch (error) {
        if (controller.signal.aborted) throw new QuantizeInterruptedError();
        throw error;
    } finally {
        if (barStarted) bar.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const size = formatBytes;

function resolveFileType(name: string | undefined, recipe: QuantRecipe | undefined): LlamaFileType {
    if (name === undefined) return recipe?.baseFileType ?? LlamaFileType.MOSTLY_Q4_K_M;
    const ftype = llamaFileTypeByName(name);
    if (ftype === undefined || !QUANTIZE_FILE_TYPES.includes(name.toUpperCase())) {
        throw new R1Error(`unknown --type ${name}`, {exitCode: ExitCode.usage, hint: `use one of ${QUANTIZE_FILE_TYPES.join(", ")}`});
    }
    return ftype;
}

async function loadRecipe(spec: string): Promise<QuantRecipe> {
    const builtin = findQuantRecipe(spec);
    if (builtin !== undefined) return builtin;
    if (!spec.endsWith(".json")) throw new BadRecipeError(spec, `no such recipe (built-in: ${quantRecipes.map((r) => r.name).join(", ")})`);
    const info = await stat(spec).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw new BadRecipeError(spec, "file not found");
    if (info.size > MAX_RECIPE_FILE_BYTES) throw new BadRecipeError(spec, "file is too large");
    return parseQuantRecipe(await readFile(spec, "utf8"), spec);
}

function assertOverridesUsed(q: QuantizationPlan, userOverrides: readonly TensorTypeOverride[]): void {
    const unused = userOverrides.filter((o) => q.plan.unusedOverrides.includes(o));
    if (unused.length > 0) {
        throw new R1Error(`--tensor-type ${unused.map((o) => `${o.pattern.source}=${GgmlType[o.type]}`).join(", ")} matches no tensor`,
            {exitCode: ExitCode.usage, hint: "check the regex against the names `r1 inspect` lists (e.g. ffn_down_exps, attn_v)"});
    }
}

function printPlan(q: QuantizationPlan, inputSize: number, json: boolean, recipe: QuantRecipe | undefined): void {
    const p = q.plan;
    if (json) {
        process.stdout.write(`${JSON.stringify({
            fileType: fileTypeLabel(p.fileType), recipe: recipe?.name, outputFileSize: q.outputFileSize, bitsPerWeight: p.bitsPerWeight,
            totalElements: p.totalElements, fallbackCount: p.fallbackCount, requiresImatrix: p.requiresImatrix, requantized: q.requantized,
            tensors: p.tensors.map((t) => ({name: t.name, shape: t.shape, from: GgmlType[t.sourceType], to: GgmlType[t.targetType], bytes: t.targetBytes,
                ...(t.overridden ? {overridden: true} : {}), ...(t.fallback ? {fallback: true} : {})}))
        }, null, 2)}\n`);
        return;
    }
    const rows: string[][] = [];
    for (const t of p.tensors) {
        const mark = t.overridden ? pc.cyan("*") : t.fallback ? pc.yellow("!") : "";
        rows.push([t.name, t.shape.join("×"), GgmlType[t.sourceType], `${GgmlType[t.targetType]}${mark}`, (t.targetBytes / 1e6).toFixed(2)]);
    }
    process.stdout.write(`${renderTable([{header: "tensor"}, {header: "shape", dropOrder: 1}, {header: "from", dropOrder: 2}, {header: "to"}, {header: "MB", align: "right"}], rows)}\n`);
    const counts = new Map<string, number>();
    for (const t of p.tensors) counts.set(GgmlType[t.targetType]!, (counts.get(GgmlType[t.targetType]!) ?? 0) + t.elements);
    const mix = [...counts].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${(100 * n / p.totalElements).toFixed(1)}%`).join(", ");
    process.stdout.write(`${fileTypeLabel(p.fileType)}${recipe ? ` + recipe ${recipe.name}` : ""}: ${(p.totalElements / 1e9).toFixed(3)} B weights, ` +
        `${size(q.outputFileSize)} (${q.outputFileSize} bytes; input ${size(inputSize)}), ${p.bitsPerWeight.toFixed(4)} BPW\n`);
    process.stdout.write(`weights by type: ${mix}\n`);
    if (p.fallbackCount > 0) process.stdout.write(pc.dim(`! ${p.fallbackCount} tensor(s) use a fallback type (row length not a multiple of the block size)\n`));
    if (p.tensors.some((t) => t.overridden)) process.stdout.write(pc.dim("* set by --tensor-type or the recipe\n"));
    if (q.unsupported.length > 0) process.stdout.write(pc.yellow(`${q.unsupported.length} tensor(s) need types r1 cannot write: plan only\n`));
    if (q.missingImportance.length > 0) {
        process.stdout.write(pc.yellow(q.hasImatrix ? `${q.missingImportance.length} tensor(s) need importance weights this imatrix lacks\n`
            : `${q.missingImportance.length} tensor(s) need an importance matrix: pass --imatrix FILE to write it\n`));
    }
    if (q.requantized.length > 0) process.stdout.write(pc.yellow(`${q.requantized.length} tensor(s) are already quantized: needs --allow-requantize\n`));
}
