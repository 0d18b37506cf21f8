import {readFile} from "node:fs/promises";
import path from "node:path";
import {r1HomeDir, writeJsonAtomic, type HardwareProfile} from "../hardware/index.js";
import {DEFAULT_EFFICIENCY, type BackendEfficiency, type SpeedBackend} from "./speedConstants.js";

/** Measured efficiency of one backend on this machine, replacing a `DEFAULT_EFFICIENCY` entry. */
export interface CalibrationEntry {
    /** Achieved ÷ peak bandwidth during generation, (0, 1]. */
    readonly bandwidthEfficiency?: number;
    /** Achieved ÷ peak FLOPS during prompt processing, (0, 1]. */
    readonly computeEfficiency?: number;
    readonly measuredAt: string;
    /** What was measured, e.g. `deepseek-r1-distill-qwen-7b:Q4_K_M tg128 41.2 t/s`. */
    readonly source: string;
}

/**
 * `<R1_HOME>/calibration.json`, written by `r1 bench` (`saveCalibration`), read by the planner.
 * Tied to the machine: a file from other hardware is ignored.
 */
export interface Calibration {
    readonly version: 1;
    /** `machineFingerprint()` of the machine it was measured on. */
    readonly machine: string;
    readonly backends: Partial<Record<SpeedBackend, CalibrationEntry>>;
}

export const CALIBRATION_FILE = "calibration.json";
/** Untrusted file: a calibration is a few hundred bytes. */
const MAX_CALIBRATION_FILE_BYTES = 64 * 1024;
/** Efficiencies outside this range come from a broken measurement, not from hardware. */
const MIN_EFFICIENCY = 0.02;

/** Identifies a machine by CPU, RAM size and GPUs (not by name: profiles never match it). */
export function machineFingerprint(hardware: HardwareProfile): string {
    return [hardware.cpu.model, Math.round(hardware.ram.totalBytes / 2 ** 30) + "GiB", ...hardware.gpus.map((g) => g.name)].join(" | ");
}

/** Efficiency per backend: defaults, overridden field by field by a calibration. */
export function effectiveEfficiency(calibration: Calibration | undefined): Record<SpeedBackend, BackendEfficiency> {
    const result = {...DEFAULT_EFFICIENCY};
    for (const [backend, entry] of Object.entries(calibration?.backends ?? {}) as [SpeedBackend, CalibrationEntry][]) {
        const base = result[backend];
        if (base === undefined) continue;
        result[backend] = {
            ...base,
            bandwidthEfficiency: clampEfficiency(entry.bandwidthEfficiency) ?? base.bandwidthEfficiency,
            computeEfficiency: clampEfficiency(entry.computeEfficiency) ?? base.computeEfficiency
        };
    }
    return result;
}

/** Efficiencies are fractions of a physical peak: never above 1 (the roofline), never ≤ 0. */
function clampEfficiency(x: number | undefined): number | undefined {
    if (x === undefined || !Number.isFinite(x) || x < MIN_EFFICIENCY) return undefined;
    return Math.min(1, x);
}

export interface CalibrationIoOptions {
    /** Defaults to `R1_HOME` (`~/.r1`). */
    readonly r1Home?: string;
}

/** Loads this machine's calibration; `undefined` when absent, unreadable or from another machine. Never throws. */
export async function loadCalibration(hardware: HardwareProfile, options: CalibrationIoOptions = {}): Promise<Calibration | undefined> {
    if (hardware.source !== "detected") return undefined;
    try {
        const text = await readFile(path.join(options.r1Home ?? r1HomeDir(), CALIBRATION_FILE), "utf8");
        if (text.length > MAX_CALIBRATION_FILE_BYTES) return undefined;
        const raw = JSON.parse(text) as Partial<Calibration>;
        if (raw.version !== 1 || raw.machine !== machineFingerprint(hardware) || typeof raw.backends !== "object" || raw.backends === null) return undefined;
        return raw as Calibration;
    } catch {
        return undefined;
    }
}

/**
 * Merges `entries` into this machine's calibration file (other backends keep their values) and
 * writes it atomically. Returns what was written.
 */
export async function saveCalibration(hardware: HardwareProfile, entries: Partial<Record<SpeedBackend, CalibrationEntry>>,
    options: CalibrationIoOptions = {}): Promise<Calibration> {
    const previous = await loadCalibration(hardware, options);
    const calibration: Calibration = {version: 1, machine: machineFingerprint(hardware), backends: {...previous?.backends, ...entries}};
    await writeJsonAtomic(path.join(options.r1Home ?? r1HomeDir(), CALIBRATION_FILE), calibration);
    return calibration;
}
