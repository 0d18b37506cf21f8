import {formatBytes} from "../util/formatBytes.js";
import type {FigureSource, HardwareProfile} from "./types.js";

export {formatBytes};

/**
 * Kept for callers elsewhere; r1 shows every size in decimal units (`formatBytes`: 25.4 GB, 1.19 MB),
 * so that a plan's "25 GB" and the machine's RAM are the same kind of number.
 * @deprecated use `formatBytes`
 */
export function formatGiB(bytes: number): string {
    return formatBytes(bytes);
}

function bandwidth(bytesPerSecond: number, source: FigureSource): string {
    const tag = source === "probe" ? "measured" : source === "assumed" ? "assumed" : source === "custom" ? "given" : "spec";
    return `${Math.round(bytesPerSecond / 1e9)} GB/s ${tag}`;
}

/** A few human lines describing a machine (the header of `r1 plan` and the body of `r1 hw`). */
export function hardwareLines(hardware: HardwareProfile): string[] {
    const lines = [`Hardware: ${hardware.name}${hardware.source === "detected" ? "" : ` — ${hardware.description}`}`];
    const c = hardware.cpu;
    lines.push(`  CPU   ${c.model}: ${c.physicalCores} cores / ${c.logicalCores} threads, ${c.arch}` +
        `${c.isa.length > 0 ? `, ${c.isa.filter((x) => x !== "apple").join(" ")}` : ""}, ~${(c.flopsPerSecond / 1e9).toFixed(0)} GFLOPS` +
        ` ${c.flopsSource === "probe" ? "(probed)" : c.flopsSource === "custom" ? "(given)" : "(estimated from ISA, cores and clock)"}`);
    lines.push(`  RAM   ${formatBytes(hardware.ram.totalBytes)} (${formatBytes(hardware.ram.freeBytes)} available), ` +
        `${bandwidth(hardware.ram.bandwidthBytesPerSecond, hardware.ram.bandwidthSource)}`);
    hardware.gpus.forEach((g, i) => {
        lines.push(`  GPU ${i} ${g.name} (${g.backend}): ${formatBytes(g.vramBytes)}${g.unifiedMemory ? " of unified memory (macOS default GPU share)" : ""}` +
            `${g.freeVramBytes === undefined ? "" : `, ${formatBytes(g.freeVramBytes)} free`}, ${bandwidth(g.bandwidthBytesPerSecond, g.bandwidthSource)}, ` +
            `${Math.round(g.fp16FlopsPerSecond / 1e12)} FP16 TFLOPS`);
    });
    if (hardware.gpus.length === 0) lines.push("  GPU   none");
    for (const note of hardware.notes) lines.push(`  note: ${note}`);
    return lines;
}
