import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A data-centre GPU as a cluster plan sees it. */
export interface ClusterGpu {
    readonly id: string;
    readonly name: string;
    /** Memory as the driver reports it (nvidia-smi's total). */
    readonly vramBytes: number;
    /** Peak memory bandwidth. */
    readonly bandwidthBytesPerSecond: number;
    /** Where the figures come from. */
    readonly source: string;
}

const MIB = 1024 * 1024;

/** The GPUs `--cluster` knows by name. Memory: nvidia-smi totals; bandwidth: NVIDIA's datasheets (SXM parts). */
export const CLUSTER_GPUS: readonly ClusterGpu[] = [
    {id: "h100-80gb", name: "NVIDIA H100 80GB SXM", vramBytes: 81559 * MIB, bandwidthBytesPerSecond: 3.35e12,
        source: "NVIDIA H100 Tensor Core GPU datasheet (SXM: 80 GB HBM3, 3.35 TB/s); nvidia-smi reports 81559 MiB"},
    {id: "h200-141gb", name: "NVIDIA H200 141GB SXM", vramBytes: 143771 * MIB, bandwidthBytesPerSecond: 4.8e12,
        source: "NVIDIA H200 Tensor Core GPU datasheet (SXM: 141 GB HBM3e, 4.8 TB/s); nvidia-smi reports 143771 MiB"},
    {id: "a100-80gb", name: "NVIDIA A100 80GB SXM", vramBytes: 81920 * MIB, bandwidthBytesPerSecond: 2.039e12,
        source: "NVIDIA A100 Tensor Core GPU datasheet (SXM 80GB: HBM2e, 2,039 GB/s); nvidia-smi reports 81920 MiB"}
];

/** A GPU cluster: `nodes` machines with `gpusPerNode` identical GPUs each. */
export interface ClusterProfile {
    readonly text: string;
    readonly nodes: number;
    readonly gpusPerNode: number;
    readonly gpu: ClusterGpu;
}

/** A `--cluster` value r1 cannot read. */
export class InvalidClusterError extends R1Error {
    readonly value: string;

    constructor(value: string) {
        super(`--cluster ${value} is not a cluster`, {
            exitCode: ExitCode.usage,
            hint: `write NODESxGPUSxGPU with a known GPU (${CLUSTER_GPUS.map((gpu) => gpu.id).join(", ")}), e.g. 2x8xh100-80gb, `
                + "or NODESxGPUSx<GB>gb@<TB/s>tbps for another GPU, e.g. 2x8x96gb@4tbps"
        });
        this.value = value;
    }
}

/** Most nodes / GPUs per node a plan takes: beyond, a typo (`2x88x…`) rather than a cluster. */
const MAX_NODES = 64;
const MAX_GPUS_PER_NODE = 16;

/**
 * Parses `--cluster`: `2x8xh100-80gb` (named GPU) or the custom form `2x8x96gb@4tbps` (memory in GB
 * of 10⁹ bytes, bandwidth in TB/s).
 */
export function parseCluster(text: string): ClusterProfile {
    const match = /^(\d+)x(\d+)x(.+)$/i.exec(text.trim());
    if (match === null) throw new InvalidClusterError(text);
    const nodes = Number(match[1]);
    const gpusPerNode = Number(match[2]);
    if (!(nodes >= 1 && nodes <= MAX_NODES && gpusPerNode >= 1 && gpusPerNode <= MAX_GPUS_PER_NODE)) throw new InvalidClusterError(text);
    const gpuText = match[3]!.toLowerCase();
    const named = CLUSTER_GPUS.find((gpu) => gpu.id === gpuText);
    if (named !== undefined) return {text, nodes, gpusPerNode, gpu: named};
    const custom = /^(\d+(?:\.\d+)?)gb@(\d+(?:\.\d+)?)tbps$/.exec(gpuText);
    if (custom === null) throw new InvalidClusterError(text);
    const gb = Number(custom[1]);
    const tbps = Number(custom[2]);
    if (!(gb > 0 && tbps > 0)) throw new InvalidClusterError(text);
    return {text, nodes, gpusPerNode, gpu: {id: gpuText, name: `${gb} GB GPU at ${tbps} TB/s`, vramBytes: gb * 1e9, bandwidthBytesPerSecond: tbps * 1e12,
        source: "given on the command line"}};
}
