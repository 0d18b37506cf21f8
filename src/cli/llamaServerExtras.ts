import type {Argv} from "yargs";
import {DEFAULT_CONTEXT_SIZE} from "../engine/loadLimits.js";
import {detectHardware} from "../hardware/index.js";
import type {KvCacheType} from "../plan/index.js";
import {ModelStore, resolveModelPath} from "../store/index.js";
import {fileModel, parseRpcList, planRpcLaunch, sharedMemoryLine} from "./printRpcPlan.js";
import {resolveDraftModel} from "./resolveDraftModel.js";
import {withRpc} from "./options/rpc.js";

const RPC_HELP = {describe: "split the model over r1 workers, host:port,host:port (llama-server --rpc; see r1 worker)"};

/** `--draft` and `--rpc` on run / serve / bench: what only the llama-server engine can do with a second model or other machines. */
export interface LlamaServerExtraFlags {
    draft?: string;
    rpc?: string;
}

export function withLlamaServerExtras<T>(yargs: Argv<T>): Argv<T & LlamaServerExtraFlags> {
    return withRpc(yargs
        .option("draft", {type: "string", describe: "speculative decoding with a smaller model of the same vocabulary (llama-server -md): a model name or "
            + "path, or auto (R1-Distill-Qwen-1.5B for the Qwen distills, when pulled)"}), RPC_HELP) as unknown as Argv<T & LlamaServerExtraFlags>;
}

/** Launch options from `--draft` / `--rpc`, for the llama-server engine. */
export interface LlamaServerExtras {
    draftModelPath?: string;
    rpcServers?: string[];
    tensorSplit?: number[];
    gpuLayers?: number;
    /** MoE models whose experts split runs: the routed experts' `-ot` rules naming the workers' devices. */
    overrideTensors?: string[];
}

export interface ResolveLlamaServerExtrasOptions {
    /** The main model's file. */
    readonly modelPath: string;
    /** Its catalog id, when it is a catalog model (for `--draft auto`). */
    readonly catalogId?: string;
    readonly contextSize: number;
    /** Defaults to `"f16"`. */
    readonly kvCacheType?: KvCacheType;
    /** The r1 data folder of the store. Defaults to `R1_HOME`. */
    readonly home?: string;
}

/**
 * Turns `--draft MODEL|auto` into a draft file (auto pairs only when the paired model is pulled;
 * otherwise a note says how to get it) and `--rpc` into the planner's split over the workers
 * (`-ngl`, `-ts`, `--rpc`). Notes are one line each, for `--verbose` or stderr.
 */
export async function resolveLlamaServerExtras(flags: LlamaServerExtraFlags, options: ResolveLlamaServerExtrasOptions): Promise<{extras: LlamaServerExtras, notes: string[]}> {
    const extras: LlamaServerExtras = {};
    const notes: string[] = [];
    if (flags.draft !== undefined) {
        const store = new ModelStore(options.home === undefined ? {} : {home: options.home});
        const pulled = flags.draft.trim().toLowerCase() === "auto"
            ? (await store.list()).filter((model) => model.status === "complete").map((model) => model.name) : [];
        const draft = await resolveDraftModel(flags.draft, options.catalogId, {pulled, resolvePath: (name) => resolveModelPath(name, {store})});
        if (draft.path !== undefined) extras.draftModelPath = draft.path;
        if (draft.note !== undefined) notes.push(draft.note);
    }
    if (flags.rpc !== undefined) {
        const endpoints = parseRpcList(flags.rpc);
        const model = await fileModel(options.modelPath);
        const plan = await planRpcLaunch({endpoints, ...model, contextSize: options.contextSize, kvCacheType: options.kvCacheType ?? "f16",
            hardware: await detectHardware()});
        Object.assign(extras, plan.launch);
        notes.push(plan.chosen === "experts" && plan.expertSplit !== undefined
            ? `--rpc: routed experts of ${plan.expertSplit.placements.map((p) => p.layers.length).join("/")} layers on ${endpoints.join(", ")}, the rest here; `
                + `predicted ${plan.expertSplit.predictedTokensPerSecond.toFixed(1)} tok/s`
            : `--rpc: ${plan.split.tensorSplit.join("/")} layers on ${endpoints.join(", ")}${plan.split.shares[0]!.layers > 0 ? `, ${plan.split.shares[0]!.layers} in RAM here` : ""}; `
                + `predicted ${plan.split.predictedTokensPerSecond.toFixed(1)} tok/s`);
        for (const pool of plan.shared) notes.push(`--rpc: ${sharedMemoryLine(pool)}`);
    }
    return {extras, notes};
}

/** A Qwen distill's catalog id from its file name (`…DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf`), for `--draft auto` on files. */
export function catalogIdFromFileName(file: string): string | undefined {
    const match = /DeepSeek-R1-Distill-Qwen-(1\.5|7|14|32)B/i.exec(file);
    return match === null ? undefined : `deepseek-r1-distill-qwen-${match[1]!.toLowerCase()}b`;
}

/**
 * `options` with `--draft` / `--rpc` applied (none given: unchanged). A `-ngl` given on the command
 * line wins over the split's; notes go to `note`.
 */
export async function applyLlamaServerExtras<T extends {path: string, contextSize?: number, gpuLayers?: number | "auto" | "max", overrideTensors?: string[]}>(options: T, flags: LlamaServerExtraFlags & {ngl?: number},
    context: {catalogId?: string, note: (line: string) => void}): Promise<T> {
    if (flags.draft === undefined && flags.rpc === undefined) return options;
    const catalogId = context.catalogId ?? catalogIdFromFileName(options.path);
    const {extras, notes} = await resolveLlamaServerExtras(flags, {modelPath: options.path, contextSize: options.contextSize ?? DEFAULT_CONTEXT_SIZE,
        ...catalogId === undefined ? {} : {catalogId}});
    for (const line of notes) context.note(line);
    const applied: T = {...options, ...extras};
    // The user's own -ot rules first: llama.cpp applies the first rule a tensor matches.
    if (options.overrideTensors !== undefined && extras.overrideTensors !== undefined) applied.overrideTensors = [...options.overrideTensors, ...extras.overrideTensors];
    if (flags.ngl !== undefined) applied.gpuLayers = flags.ngl;
    return applied;
}
