import fs from "node:fs/promises";
import readline from "node:readline";
import {findVariant, variantFileSize} from "../catalog/index.js";
import {DEFAULT_CONTEXT_SIZE} from "../engine/embedded/loadModel.js";
import {detectHardware} from "../hardware/index.js";
import {loadCalibration, loadEngineProbe, planModel, type ModelPlan} from "../plan/index.js";
import {DEFAULT_FREE_DISK_MARGIN, ModelNotFoundError, ModelStore, resolveModel, resolvePullSource, resolveR1Home,
    type ResolvedLocalModel} from "../store/index.js";
import {formatBytes} from "../util/formatBytes.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {pullWithProgress} from "./pullWithProgress.js";

/** What r1 knows about a catalog model that is not pulled, before asking to download it. */
export interface MissingModel {
    /** What the user typed (`deepseek-r1:1.5b`). */
    name: string;
    /** The catalog's name of the variant and quant (`DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M`). */
    label: string;
    /** Estimated download size. */
    bytes: number;
    /** This machine's plan for it; undefined when the planner could not plan it. */
    plan?: Pick<ModelPlan, "verdict" | "placementDetail"> & {generationTokensPerSecond: number};
    /** Free space where the store is, when the file system reports it. */
    freeDiskBytes?: number;
}

export type AutoPullDecision =
    | {kind: "pull"}
    | {kind: "ask", question: string}
    | {kind: "refuse", error: R1Error};

function describe(model: MissingModel): string {
    const plan = model.plan === undefined ? "" : `; on this machine: ${model.plan.verdict.replace(/-/g, " ")}, ~${model.plan.generationTokensPerSecond.toFixed(1)} tok/s`;
    return `${model.name} is not pulled: ${model.label}, ${formatBytes(model.bytes)}${plan}`;
}

/**
 * Whether to pull a missing catalog model now, ask first, or refuse (pure). A model that does not
 * fit this machine's memory or the disk is refused before anything is downloaded, even with `--yes`;
 * without a terminal to ask on, `--yes` is needed, otherwise the error names the pull command.
 */
export function decideAutoPull(model: MissingModel, context: {yes: boolean, interactive: boolean}): AutoPullDecision {
    if (model.plan?.verdict === "does-not-fit")
        return {kind: "refuse", error: new R1Error(`${model.name} (${model.label}, ${formatBytes(model.bytes)}) does not fit this machine: ${model.plan.placementDetail}`,
            {exitCode: ExitCode.failure, hint: "nothing was downloaded; `r1 plan` shows which variants fit"})};
    if (model.freeDiskBytes !== undefined && model.freeDiskBytes < model.bytes + DEFAULT_FREE_DISK_MARGIN)
        return {kind: "refuse", error: new R1Error(`${model.name} needs ${formatBytes(model.bytes)} of disk, ${formatBytes(model.freeDiskBytes)} is free`,
            {exitCode: ExitCode.diskFull, hint: "nothing was downloaded; free some space or set R1_HOME to a bigger disk"})};
    if (context.yes) return {kind: "pull"};
    if (!context.interactive)
        return {kind: "refuse", error: new R1Error(`model ${model.name} is not pulled`,
            {exitCode: ExitCode.notFound, hint: `run \`r1 pull ${model.name}\` first, or pass --yes to pull it now`})};
    return {kind: "ask", question: `${describe(model)}. Pull it now? [Y/n] `};
}

/** `y`, `yes` or just Enter. */
export function isYes(answer: string): boolean {
    return /^(?:y|yes)?$/i.test(answer.trim());
}

export interface ResolveOrPullOptions {
    /** Pull without asking (`--yes`). Defaults to `false`. */
    yes?: boolean;
    /** Context size the plan verdict is for. Defaults to the engine's default. */
    contextSize?: number;
}

async function freeDisk(directory: string): Promise<number | undefined> {
    try {
        const stats = await fs.statfs(directory);
        return Number(stats.bavail) * Number(stats.bsize);
    } catch {
        return undefined;
    }
}

/** The nearest folder that exists (the store's folder may not yet). */
async function existingAncestor(dir: string): Promise<string> {
    for (let current = dir; ; current = current.replace(/[/\\][^/\\]*$/, "") || "/") {
        if (await fs.stat(current).then(() => true, () => false)) return current;
        if (current === "/" || current === "") return "/";
    }
}

/**
 * `resolveModel`, but a catalog model that is not pulled is offered for download first: its size
 * and this machine's verdict, one `[Y/n]` question on a terminal (`--yes` answers for scripts),
 * `r1 pull`'s progress, then the resolved model. Other failures are `resolveModel`'s.
 */
export async function resolveOrPull(name: string, options: ResolveOrPullOptions = {}): Promise<ResolvedLocalModel> {
    try {
        return await resolveModel(name);
    } catch (error) {
        if (!(error instanceof ModelNotFoundError)) throw error;
        const missing = await describeMissing(name, options.contextSize ?? DEFAULT_CONTEXT_SIZE);
        if (missing === undefined) throw error;
        const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
        const decision = decideAutoPull(missing, {yes: options.yes ?? false, interactive});
        if (decision.kind === "refuse") throw decision.error;
        if (decision.kind === "ask" && !isYes(await ask(decision.question)))
            throw new R1Error(`${name} was not pulled`, {exitCode: ExitCode.notFound, hint: `\`r1 pull ${name}\` downloads it when you want it`});
        if (decision.kind === "pull") process.stderr.write(`${describe(missing)}; pulling it (--yes)\n`);
        await pullWithProgress(name);
        return resolveModel(name);
    }
}

async function ask(question: string): Promise<string> {
    const rl = readline.createInterface({input: process.stdin, output: process.stderr});
    try {
        return await new Promise<string>((resolve) => rl.question(question, resolve));
    } finally {
        rl.close();
    }
}

/** Size and plan of a catalog name; undefined for anything that is not a catalog model (files, hf: names). */
async function describeMissing(name: string, contextSize: number): Promise<MissingModel | undefined> {
    let source;
    try {
        source = resolvePullSource(name);
    } catch {
        return undefined;
    }
    const variant = source.catalogId === undefined ? undefined : findVariant(source.catalogId);
    if (variant === undefined || source.quant === undefined) return undefined;
    const bytes = variantFileSize(variant, source.quant).totalBytes;
    const missing: MissingModel = {name, label: `${variant.name} ${source.quant}`, bytes};
    try {
        const hardware = await detectHardware();
        const [calibration, probe] = await Promise.all([loadCalibration(hardware), loadEngineProbe(hardware)]);
        const plan = planModel({variant, quant: source.quant, hardware, contextSize,
            ...(calibration === undefined ? {} : {calibration}), ...(probe === undefined ? {} : {probe})});
        missing.plan = {verdict: plan.verdict, placementDetail: plan.placementDetail, generationTokensPerSecond: plan.predicted.generationTokensPerSecond};
    } catch {
        // no verdict: the question still says the size
    }
    const free = await freeDisk(await existingAncestor(new ModelStore({home: resolveR1Home()}).modelsDir));
    if (free !== undefined) missing.freeDiskBytes = free;
    return missing;
}
