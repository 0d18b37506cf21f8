import type {MoeArchitecture, Variant} from "../../catalog/index.js";
import {DEFAULT_EFFICIENCY} from "../speedConstants.js";
import type {ClusterProfile} from "./clusterProfiles.js";

/** Checkpoint precisions vLLM and SGLang serve DeepSeek-R1 in. */
export type ClusterPrecision = "fp8" | "bf16";

/** Parameters a DeepSeek-V3-architecture token reads: 37B activated of 671B (DeepSeek-V3 technical report, arXiv:2412.19437, §1). */
export const DEEPSEEK_V3_ACTIVE_PARAMETERS = 37e9;
/**
 * vLLM's default `--gpu-memory-utilization` (0.9): the share of each GPU's memory it takes for
 * weights, activations and KV cache (vLLM engine arguments documentation).
 */
export const GPU_MEMORY_UTILIZATION = 0.9;
/** Bytes per weight: the released checkpoint is FP8 (e4m3, 128×128 block scales); BF16 is its upcast. */
const BYTES_PER_PARAMETER: Record<ClusterPrecision, number> = {fp8: 1, bf16: 2};
/** BF16 KV cache, as both engines store MLA's latent. */
const KV_BYTES_PER_ELEMENT = 2;

/** One node's launch. */
export interface NodeCommand {
    readonly node: number;
    readonly commands: readonly string[];
}

export interface EngineLaunch {
    readonly engine: "sglang" | "vllm";
    /**
     * `tensor`: every weight sharded by tensor (× pipeline) parallelism. `expert`: the routed experts
     * spread over all GPUs (expert parallelism), attention and the dense weights on every GPU with
     * data-parallel attention — the engines' layout for DeepSeek at high throughput.
     */
    readonly layout: "tensor" | "expert";
    /** Weights each GPU holds in this layout. */
    readonly weightsPerGpuBytes: number;
    /** Whether the weights and one `contextSize` request's KV cache fit each GPU's share in this layout. */
    readonly fits: boolean;
    readonly nodes: readonly NodeCommand[];
    /** The OpenAI-compatible address r1 fronts with `r1 serve --upstream`. */
    readonly upstream: string;
    readonly parallelism: string;
    /** One stream's decode upper bound for this layout: pipeline stages in turn, tensor-parallel shards at once. */
    readonly rooflineTokensPerSecond: number;
    readonly predictedTokensPerSecond: number;
    readonly sources: readonly string[];
}

export interface ClusterPlan {
    readonly cluster: ClusterProfile;
    readonly precision: ClusterPrecision;
    readonly huggingFaceRepo: string;
    readonly fits: boolean;
    /** Weights each GPU holds (TP × PP shards). */
    readonly weightsPerGpuBytes: number;
    /** Per GPU: the engine's share of memory left for KV cache after the weights. */
    readonly kvBudgetPerGpuBytes: number;
    /** KV bytes one token costs on each GPU (MLA latent; replicated over tensor-parallel ranks, split by pipeline stage). */
    readonly kvBytesPerTokenPerGpu: number;
    /** Tokens of KV cache the cluster holds (over all sequences). */
    readonly kvTokens: number;
    /** The recommended engine's one-stream decode upper bound: a token's active weights read once at peak bandwidth. */
    readonly rooflineTokensPerSecond: number;
    /** The same with llama.cpp's measured CUDA bandwidth efficiency (`efficiency`). */
    readonly predictedTokensPerSecond: number;
    readonly efficiency: number;
    /** Which engine r1 recommends first, and why. */
    readonly recommended: "sglang" | "vllm";
    readonly reason: string;
    readonly launches: readonly EngineLaunch[];
    readonly notes: readonly string[];
}

export interface PlanClusterOptions {
    readonly variant: Variant;
    readonly cluster: ClusterProfile;
    /** Defaults to `"fp8"`, the released checkpoint. */
    readonly precision?: ClusterPrecision;
    /** Context per request, passed as the engines' max length. Defaults to 8192. */
    readonly contextSize?: number;
    /** Address of node 0 as the other nodes reach it. Defaults to the placeholder `HEAD_IP`. */
    readonly headAddress?: string;
    /** GPU bandwidth efficiency for the prediction. Defaults to llama.cpp's CUDA default (0.68, src/plan/speedConstants.ts). */
    readonly efficiency?: number;
}

/** llama.cpp's measured CUDA figures (src/plan/speedConstants.ts): the closest measured stand-ins r1 has for a GPU engine's per-token costs. */
const CUDA = DEFAULT_EFFICIENCY.cuda;

/** Ports: SGLang's default `--port` 30000 and its docs' `--dist-init-addr` example port; vLLM's 8000 and Ray's 6379. */
const SGLANG_PORT = 30000;
const SGLANG_DIST_PORT = 20000;
const VLLM_PORT = 8000;
const RAY_PORT = 6379;
/** vLLM's data-parallel RPC port in its expert-parallel docs' multi-node example ("any port reachable by all nodes"). */
const VLLM_DP_RPC_PORT = 13345;

/** Parameters in the routed experts: MoE layers × experts × (gate, up, down) of hidden × expert FFN each. */
export function routedExpertParameters(a: MoeArchitecture): number {
    return (a.layers - a.denseLayers) * a.experts * 3 * a.hiddenSize * a.expertFfnSize;
}

/**
 * A launch plan for DeepSeek-R1's safetensors on a GPU cluster: memory per GPU, KV room, a
 * one-stream decode prediction, and each node's commands for SGLang (`--tp` over all GPUs with
 * `--dist-init-addr/--nnodes/--node-rank`, as its multi-node docs and DeepSeek guide show) and vLLM
 * (tensor parallel = GPUs per node, pipeline parallel = nodes, on a Ray cluster, as its
 * parallelism guide says). Pure.
 */
export function planCluster(options: PlanClusterOptions): ClusterPlan {
    const {variant, cluster} = options;
    if (variant.architecture.kind !== "moe") throw new Error("planCluster plans the DeepSeek-V3-architecture models");
    const a: MoeArchitecture = variant.architecture;
    const precision = options.precision ?? "fp8";
    const contextSize = options.contextSize ?? 8192;
    const head = options.headAddress ?? "HEAD_IP";
    const gpus = cluster.nodes * cluster.gpusPerNode;
    const weightsBytes = variant.parameters * BYTES_PER_PARAMETER[precision];
    const weightsPerGpuBytes = weightsBytes / gpus;
    const kvBudgetPerGpuBytes = cluster.gpu.vramBytes * GPU_MEMORY_UTILIZATION - weightsPerGpuBytes;
    // vLLM's pipeline stages split the layers; SGLang's --tp over all GPUs replicates the latent on every rank.
    const kvBytesPerTokenPerGpu = (a.kvLoraRank + a.qkRopeHeadDim) * KV_BYTES_PER_ELEMENT * a.layers;
    const kvTokens = Math.max(0, Math.floor(kvBudgetPerGpuBytes / kvBytesPerTokenPerGpu));
    const fits = kvBudgetPerGpuBytes > 0 && kvTokens >= contextSize;
    // Tensor-parallel shards read their slices of a token's active weights at once; pipeline stages
    // run one after the other, so only the tensor-parallel width divides the time.
    const activeBytes = DEEPSEEK_V3_ACTIVE_PARAMETERS * BYTES_PER_PARAMETER[precision];
    const efficiency = options.efficiency ?? CUDA.bandwidthEfficiency;
    const roofline = (tensorParallel: number) => cluster.gpu.bandwidthBytesPerSecond * tensorParallel / activeBytes;
    // Reading at `efficiency` of peak, plus the fixed per-layer and per-token costs llama.cpp pays on CUDA.
    const predicted = (tensorParallel: number) =>
        1 / (1 / (roofline(tensorParallel) * efficiency) + a.layers * CUDA.perLayerOverheadSeconds + CUDA.perTokenOverheadSeconds);
    const repo = variant.id === "deepseek-r1-0528" ? "deepseek-ai/DeepSeek-R1-0528" : "deepseek-ai/DeepSeek-R1";
    const tensorLaunch = {layout: "tensor" as const, weightsPerGpuBytes, fits};
    const sglang: EngineLaunch = {
        engine: "sglang", ...tensorLaunch,
        parallelism: `tensor parallel ${gpus} over ${cluster.nodes} node(s)`,
        upstream: `http://${head}:${SGLANG_PORT}`,
        rooflineTokensPerSecond: roofline(gpus), predictedTokensPerSecond: predicted(gpus),
        nodes: Array.from({length: cluster.nodes}, (_, node) => ({node, commands: [[
            "python3 -m sglang.launch_server", `--model-path ${repo}`, `--tp ${gpus}`,
            ...cluster.nodes > 1 ? [`--dist-init-addr ${head}:${SGLANG_DIST_PORT}`, `--nnodes ${cluster.nodes}`, `--node-rank ${node}`] : [],
            "--trust-remote-code", `--context-length ${contextSize}`, "--host 0.0.0.0", `--port ${SGLANG_PORT}`
        ].join(" ")]})),
        sources: ["https://docs.sglang.io/references/multi_node_deployment/multi_node.html (--tp, --dist-init-addr, --nnodes, --node-rank)",
            "SGLang DeepSeek V3/R1 guide (2×8×H100: --tp 16 --trust-remote-code)"]
    };
    const vllm: EngineLaunch = {
        engine: "vllm", ...tensorLaunch,
        parallelism: `tensor parallel ${cluster.gpusPerNode} × pipeline parallel ${cluster.nodes}`,
        upstream: `http://${head}:${VLLM_PORT}`,
        rooflineTokensPerSecond: roofline(cluster.gpusPerNode), predictedTokensPerSecond: predicted(cluster.gpusPerNode),
        nodes: Array.from({length: cluster.nodes}, (_, node) => ({node, commands: [
            ...cluster.nodes > 1 ? [node === 0 ? `ray start --head --port=${RAY_PORT}` : `ray start --address=${head}:${RAY_PORT}`] : [],
            ...node === 0 ? [[
                `vllm serve ${repo}`, `--tensor-parallel-size ${cluster.gpusPerNode}`, `--pipeline-parallel-size ${cluster.nodes}`,
                "--trust-remote-code", `--max-model-len ${contextSize}`, `--gpu-memory-utilization ${GPU_MEMORY_UTILIZATION}`, `--port ${VLLM_PORT}`
            ].join(" ")] : []
        ]})),
        sources: ["https://docs.vllm.ai/en/latest/serving/parallelism_scaling/ (tensor_parallel_size = GPUs per node, pipeline_parallel_size = nodes; Ray cluster)"]
    };
    const expert = expertParallel({a, variant, cluster, precision, contextSize, head, repo, efficiency});
    const notes = [
        `weights: ${(variant.parameters / 1e9).toFixed(0)}B parameters × ${BYTES_PER_PARAMETER[precision]} byte(s) (${precision.toUpperCase()}), split over ${gpus} GPUs`,
        `KV cache: MLA latent of ${a.kvLoraRank + a.qkRopeHeadDim} values × ${a.layers} layers in BF16 per token, held on every tensor-parallel rank`,
        `prediction: one stream, ${(DEEPSEEK_V3_ACTIVE_PARAMETERS / 1e9).toFixed(0)}B active parameters per token (DeepSeek-V3 report) at ${cluster.gpu.name} peak bandwidth `
            + `(${cluster.gpu.source}) × ${efficiency}, plus ${(CUDA.perLayerOverheadSeconds * 1e6).toFixed(0)} µs per layer and ${(CUDA.perTokenOverheadSeconds * 1e3).toFixed(1)} ms per token (llama.cpp's CUDA figures, src/plan/speedConstants.ts); the engines' all-reduces across nodes are not counted, so treat it as optimistic; batching many streams raises the aggregate well above it, and that is not predicted here`,
        `expert parallel: the ${(routedExpertParameters(a) / 1e9).toFixed(0)}B routed-expert parameters over ${gpus} GPUs, the other `
            + `${((variant.parameters - routedExpertParameters(a)) / 1e9).toFixed(0)}B (attention, dense layers, shared experts, embeddings) on every GPU (data-parallel attention); `
            + `one stream then reads those on one GPU, so it is slower than tensor parallel for one stream (≈ ${expert.sglang.predictedTokensPerSecond.toFixed(0)} tok/s here) — `
            + "the layout is for many concurrent streams, whose throughput is not predicted here",
        "GGUF on mixed machines instead: `r1 worker` on each and `--rpc` (llama.cpp RPC)"
    ];
    if (!fits) notes.unshift(kvBudgetPerGpuBytes <= 0
        ? `does not fit: ${precision.toUpperCase()} weights need ${(weightsPerGpuBytes / 1e9).toFixed(1)} GB per GPU, more than ${GPU_MEMORY_UTILIZATION} × ${(cluster.gpu.vramBytes / 1e9).toFixed(1)} GB`
        : `does not fit a ${contextSize}-token context: room for ${kvTokens} tokens of KV cache`);
    return {
        cluster, precision, huggingFaceRepo: repo, fits, weightsPerGpuBytes, kvBudgetPerGpuBytes, kvBytesPerTokenPerGpu, kvTokens,
        rooflineTokensPerSecond: sglang.rooflineTokensPerSecond, predictedTokensPerSecond: sglang.predictedTokensPerSecond, efficiency,
        recommended: "sglang",
        reason: "SGLang is the engine DeepSeek's team recommends for V3/R1 (MLA and FP8 kernels, multi-node tensor parallel); vLLM serves it too",
        launches: [sglang, vllm, expert.sglang, expert.vllm], notes
    };
}

/**
 * The expert-parallel launches: SGLang `--tp G --ep G --dp G --enable-dp-attention --moe-a2a-backend
 * deepep --deepep-mode auto` (DeepEP needs ep = tp; DP attention needs dp = tp: its server-arguments
 * and expert-parallelism docs) and vLLM `--tensor-parallel-size 1 --data-parallel-size G
 * --enable-expert-parallel`, per node `--data-parallel-size-local`/`--data-parallel-start-rank`,
 * the others `--headless`, DeepEP's low-latency all-to-all across nodes (its expert-parallel
 * deployment docs). Weights per GPU: the non-routed parameters whole plus 1/G of the routed experts
 * (the docs' default distribution, no redundant experts). One stream: a token's non-routed active
 * parameters are read on its one data-parallel rank, its `expertsUsed` experts on up to that many
 * GPUs at once (optimistic: each on a different GPU).
 */
function expertParallel(o: {a: MoeArchitecture, variant: Variant, cluster: ClusterProfile, precision: ClusterPrecision, contextSize: number, head: string, repo: string,
    efficiency: number}): {sglang: EngineLaunch, vllm: EngineLaunch} {
    const {a, cluster} = o;
    const gpus = cluster.nodes * cluster.gpusPerNode;
    const bytes = BYTES_PER_PARAMETER[o.precision];
    const routed = routedExpertParameters(a);
    const weightsPerGpuBytes = ((o.variant.parameters - routed) + routed / gpus) * bytes;
    const kvBudget = cluster.gpu.vramBytes * GPU_MEMORY_UTILIZATION - weightsPerGpuBytes;
    // Data-parallel attention: a request's KV cache lives whole on its one rank.
    const kvBytesPerToken = (a.kvLoraRank + a.qkRopeHeadDim) * KV_BYTES_PER_ELEMENT * a.layers;
    const fits = kvBudget > 0 && Math.floor(kvBudget / kvBytesPerToken) >= o.contextSize;
    const routedActive = (a.layers - a.denseLayers) * a.expertsUsed * 3 * a.hiddenSize * a.expertFfnSize;
    const otherActive = DEEPSEEK_V3_ACTIVE_PARAMETERS - routedActive;
    const bandwidth = cluster.gpu.bandwidthBytesPerSecond;
    const roofline = 1 / (otherActive * bytes / bandwidth + routedActive * bytes / (bandwidth * Math.min(a.expertsUsed, gpus)));
    const predicted = 1 / (1 / (roofline * o.efficiency) + a.layers * CUDA.perLayerOverheadSeconds + CUDA.perTokenOverheadSeconds);
    const common = {layout: "expert" as const, weightsPerGpuBytes, fits, rooflineTokensPerSecond: roofline, predictedTokensPerSecond: predicted};
    const multi = cluster.nodes > 1;
    const sglang: EngineLaunch = {
        engine: "sglang", ...common,
        parallelism: `expert parallel ${gpus} with data-parallel attention ${gpus} (DeepEP all-to-all)`,
        upstream: `http://${o.head}:${SGLANG_PORT}`,
        nodes: Array.from({length: cluster.nodes}, (_, node) => ({node, commands: [[
            "python3 -m sglang.launch_server", `--model-path ${o.repo}`, `--tp ${gpus}`, `--ep ${gpus}`, `--dp ${gpus}`, "--enable-dp-attention",
            "--moe-a2a-backend deepep", "--deepep-mode auto",
            ...multi ? [`--dist-init-addr ${o.head}:${SGLANG_DIST_PORT}`, `--nnodes ${cluster.nodes}`, `--node-rank ${node}`] : [],
            "--trust-remote-code", `--context-length ${o.contextSize}`, "--host 0.0.0.0", `--port ${SGLANG_PORT}`
        ].join(" ")]})),
        sources: ["https://docs.sglang.io/advanced_features/expert_parallelism.html (--ep, --moe-a2a-backend deepep, --deepep-mode auto; DeepEP only with ep size = tp size)",
            "https://docs.sglang.io/advanced_features/server_arguments.html (--expert-parallel-size/--ep-size/--ep, --dp-size/--dp, --enable-dp-attention: dp size equal to tp size)"]
    };
    const vllm: EngineLaunch = {
        engine: "vllm", ...common,
        parallelism: `expert parallel ${gpus} with data-parallel attention ${gpus}${multi ? " (DeepEP low-latency all-to-all across nodes)" : ""}`,
        upstream: `http://${o.head}:${VLLM_PORT}`,
        nodes: Array.from({length: cluster.nodes}, (_, node) => ({node, commands: [[
            `vllm serve ${o.repo}`, ...multi ? ["--all2all-backend deepep_low_latency"] : [],
            "--tensor-parallel-size 1", "--enable-expert-parallel", `--data-parallel-size ${gpus}`,
            ...multi ? [`--data-parallel-size-local ${cluster.gpusPerNode}`, ...node > 0 ? [`--data-parallel-start-rank ${node * cluster.gpusPerNode}`] : [],
                `--data-parallel-address ${o.head}`, `--data-parallel-rpc-port ${VLLM_DP_RPC_PORT}`] : [],
            ...node > 0 ? ["--headless"] : [`--api-server-count ${cluster.gpusPerNode}`],
            "--trust-remote-code", `--max-model-len ${o.contextSize}`, `--gpu-memory-utilization ${GPU_MEMORY_UTILIZATION}`,
            ...node > 0 ? [] : [`--port ${VLLM_PORT}`]
        ].join(" ")]})),
        sources: ["https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment/ (--enable-expert-parallel, EP size = TP × DP; multi-node: --all2all-backend deepep_low_latency, "
            + "--data-parallel-size-local, --data-parallel-start-rank, --data-parallel-address, --data-parallel-rpc-port, --headless, --api-server-count)",
        "https://docs.vllm.ai/en/latest/serving/data_parallel_deployment/ (data-parallel attention for DeepSeek's MLA, expert layers across all ranks)"]
    };
    return {sglang, vllm};
}
