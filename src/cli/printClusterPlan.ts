import pc from "picocolors";
import {requireVariant} from "../catalog/index.js";
import {parseCluster, planCluster, type ClusterPlan, type ClusterPrecision} from "../plan/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";

export interface PrintClusterPlanOptions {
    readonly model: string;
    readonly cluster: string;
    readonly contextSize: number;
    readonly json: boolean;
    readonly head?: string;
    readonly precision?: ClusterPrecision;
}

const GB = 1e9;

/** `r1 plan MODEL --cluster NxMxGPU`: memory per GPU, prediction, and each node's launch commands. */
export function printClusterPlan(options: PrintClusterPlanOptions): void {
    const variant = requireVariant(options.model);
    if (variant.architecture.kind !== "moe")
        throw new R1Error(`--cluster plans the 671B MoE (deepseek-r1, deepseek-r1-0528); ${variant.id} fits one machine`,
            {exitCode: ExitCode.usage, hint: `r1 plan ${variant.id} plans it for this machine or a --hardware profile`});
    const plan = planCluster({variant, cluster: parseCluster(options.cluster), contextSize: options.contextSize,
        ...options.head === undefined ? {} : {headAddress: options.head}, ...options.precision === undefined ? {} : {precision: options.precision}});
    if (options.json) {
        process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
        return;
    }
    printText(variant.name, plan);
}

function printText(name: string, plan: ClusterPlan): void {
    const c = plan.cluster;
    const out = (line = "") => process.stdout.write(`${line}\n`);
    out(`${pc.bold(`${name} ${plan.precision.toUpperCase()}`)} (${plan.huggingFaceRepo} safetensors) on ${c.nodes} node(s) × ${c.gpusPerNode} ${c.gpu.name}`);
    out(`  per GPU: ${(plan.weightsPerGpuBytes / GB).toFixed(1)} GB of weights of ${(c.gpu.vramBytes / GB).toFixed(1)} GB; `
        + `KV room ${(Math.max(0, plan.kvBudgetPerGpuBytes) / GB).toFixed(1)} GB = ${plan.kvTokens.toLocaleString("en-US")} tokens over all requests`);
    out(`  ${plan.fits ? pc.green("fits") : pc.red("does not fit")}; recommended engine: ${pc.bold(plan.recommended)} — ${plan.reason}`);
    for (const launch of plan.launches) {
        out();
        out(`${pc.bold(launch.engine === "sglang" ? "SGLang" : "vLLM")}: ${launch.parallelism}; one stream ≈ ${launch.predictedTokensPerSecond.toFixed(0)} tok/s `
            + `(≤ ${launch.rooflineTokensPerSecond.toFixed(0)} at peak bandwidth)`);
        if (launch.layout === "expert")
            out(`  per GPU: ${(launch.weightsPerGpuBytes / GB).toFixed(1)} GB of weights; ${launch.fits ? pc.green("fits") : pc.red("does not fit")}`);
        for (const node of launch.nodes) for (const command of node.commands) out(`  node ${node.node}: ${command}`);
        out(`  then: r1 serve --upstream ${launch.upstream}`);
        out(pc.dim(`  sources: ${launch.sources.join("; ")}`));
    }
    out();
    for (const note of plan.notes) out(pc.dim(`note: ${note}`));
}
