import {readFile} from "node:fs/promises";
import path from "node:path";
import {r1HomeDir, writeJsonAtomic, type HardwareProfile} from "../hardware/index.js";
import {ggmlTypeBitsPerWeight, ggmlTypeByName} from "../gguf/GgmlType.js";
import {machineFingerprint} from "./calibration.js";
import type {SpeedBackend} from "./speedConstants.js";

/** What the engine achieved with weights of one ggml type on one backend. */
export interface TypeRates {
    /**
     * Weight bytes per second at batch 1 (decode), loaded without mmap: whichever binds on this
     * machine, memory bandwidth or the dequantize-and-dot work of this type.
     */
    readonly decodeBytesPerSecond: number;
    /** Matmul FLOP/s while processing a prompt micro-batch (2 FLOPs per weight per token). */
    readonly promptFlopsPerSecond: number;
    /**
     * How the decode rate was measured: `slope` between two models of different layer counts, or
     * `whole` (the larger model's bytes over its whole time: the slope was lost in noise). Absent in
     * probes of r1 before the slope.
     */
    readonly decodeMethod?: "slope" | "anchored" | "whole";
    /** The measured rate when it exceeded `BackendProbe.maxReadBytesPerSecond` and was capped there. */
    readonly uncappedDecodeBytesPerSecond?: number;
}

/** The engine measured on one backend (`r1 hw --probe`). */
export interface BackendProbe {
    readonly threads: number;
    /** Per ggml type name (`Q4_K`, `Q8_0`…). */
    readonly types: Readonly<Record<string, TypeRates>>;
    /** Fixed time per generated token (graph build, sampling, node-llama-cpp's loop), seconds. */
    readonly perTokenOverheadSeconds: number;
    /** Time per layer per token beyond reading its weights (ops, thread barriers), seconds. */
    readonly perLayerOverheadSeconds: number;
    /** Fixed time per prompt micro-batch, seconds. */
    readonly perBatchOverheadSeconds: number;
    /**
     * Seconds per attention unit at batch 1: one query head × one cached position × one head
     * dimension (QK and PV both). Generation slows with depth by this.
     */
    readonly attentionSecondsPerUnit: number;
    /**
     * Prompt FLOP/s of models of another hidden width ÷ those of the rate models (whose factor is 1),
     * measured on the first type: a prompt batch through narrow layers runs slower per FLOP (smaller
     * matmuls, the same per-layer work besides). Absent in probes of r1 before it.
     */
    readonly promptWidthFactors?: readonly {readonly hiddenSize: number, readonly factor: number}[];
    /**
     * The fastest weight read this backend's memory plausibly allows (bytes/s), at which every
     * decode rate was capped; absent when the bandwidth was only assumed (nothing capped).
     */
    readonly maxReadBytesPerSecond?: number;
    /** Decode rate memory-mapped ÷ read into memory, on `mmapMeasuredOn`. Absent: not measured. */
    readonly mmapRateRatio?: number;
    readonly mmapMeasuredOn?: string;
}

/** `<R1_HOME>/engine-probe.json`: what `r1 hw --probe` measured with the real engine, per machine. */
export interface EngineProbe {
    readonly version: 1;
    /** `machineFingerprint()` of the machine it ran on. */
    readonly machine: string;
    readonly measuredAt: string;
    /** `node-llama-cpp 3.21.1` */
    readonly engine: string;
    /** Wall time of the probe. */
    readonly seconds: number;
    /**
     * One-minute load average and logical cores when the probe started: with more runnable
     * processes than cores, spinning decode threads stall each other and every figure is low.
     */
    readonly load?: {readonly average: number, readonly cores: number};
    readonly backends: Partial<Record<SpeedBackend, BackendProbe>>;
}

export const ENGINE_PROBE_FILE = "engine-probe.json";
/** Untrusted file: a probe is a few kilobytes. */
const MAX_ENGINE_PROBE_FILE_BYTES = 256 * 1024;
/** Widths a probe may report prompt factors for (it measures two). */
const MAX_WIDTH_POINTS = 16;

/** This machine's engine probe; `undefined` when absent, unreadable, malformed or from another machine. Never throws. */
export async function loadEngineProbe(hardware: HardwareProfile, options: {r1Home?: string} = {}): Promise<EngineProbe | undefined> {
    if (hardware.source !== "detected") return undefined;
    try {
        const text = await readFile(path.join(options.r1Home ?? r1HomeDir(), ENGINE_PROBE_FILE), "utf8");
        if (text.length > MAX_ENGINE_PROBE_FILE_BYTES) return undefined;
        const raw = JSON.parse(text) as Partial<EngineProbe>;
        if (raw.version !== 1 || raw.machine !== machineFingerprint(hardware) || !isValidBackends(raw.backends)) return undefined;
        if (raw.load !== undefined && !(Number.isFinite(raw.load?.average) && Number.isFinite(raw.load?.cores))) return undefined;
        if (typeof raw.measuredAt !== "string" || typeof raw.engine !== "string" || !Number.isFinite(raw.seconds)) return undefined;
        return raw as EngineProbe;
    } catch {
        return undefined;
    }
}

/** Writes the probe atomically for this machine (replacing an older one). */
export async function saveEngineProbe(probe: EngineProbe, options: {r1Home?: string} = {}): Promise<void> {
    await writeJsonAtomic(path.join(options.r1Home ?? r1HomeDir(), ENGINE_PROBE_FILE), probe);
}

function isValidBackends(value: unknown): value is EngineProbe["backends"] {
    if (typeof value !== "object" || value === null) return false;
    for (const backend of Object.values(value as Record<string, Partial<BackendProbe>>)) {
        if (typeof backend !== "object" || backend === null || typeof backend.types !== "object" || backend.types === null) return false;
        const numbers = [backend.perTokenOverheadSeconds, backend.perLayerOverheadSeconds, backend.perBatchOverheadSeconds, backend.attentionSecondsPerUnit];
        if (!numbers.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0)) return false;
        const rates = Object.values(backend.types as Record<string, Partial<TypeRates>>);
        if (rates.length === 0 || !rates.every((r) => isPositive(r.decodeBytesPerSecond) && isPositive(r.promptFlopsPerSecond))) return false;
        if (backend.mmapRateRatio !== undefined && !isPositive(backend.mmapRateRatio)) return false;
        const widths = backend.promptWidthFactors;
        if (widths !== undefined && !(Array.isArray(widths) && widths.length <= MAX_WIDTH_POINTS && widths.every((w) => isPositive(w?.hiddenSize) && isPositive(w?.factor)))) return false;
    }
    return true;
}

function isPositive(x: unknown): x is number {
    return typeof x === "number" && Number.isFinite(x) && x > 0;
}

/**
 * The measured rates for a type, or — for a type the probe did not run (IQ1_S, Q5_K…) — those of
 * the probed type closest in bits per weight, which dequantizes with similar work per byte.
 */
export function typeRates(probe: BackendProbe, type: string): TypeRates {
    const exact = probe.types[type];
    if (exact !== undefined) return exact;
    const bits = bitsPerWeight(type);
    let best: TypeRates | undefined;
    let distance = Infinity;
    for (const [name, rates] of Object.entries(probe.types)) {
        const d = Math.abs(bitsPerWeight(name) - bits);
        if (d < distance) {
            distance = d;
            best = rates;
        }
    }
    // isValidBackends guarantees at least one type.
    return best!;
}

function bitsPerWeight(type: string): number {
    const traits = ggmlTypeByName(type);
    return traits === undefined ? 16 : ggmlTypeBitsPerWeight(traits.type);
}
