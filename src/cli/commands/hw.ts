import type {CommandModule} from "yargs";
import pc from "picocolors";
import {detectHardware, hardwareLines, hardwareProfileNames, probeHardware, resolveHardware} from "../../hardware/index.js";
import {loadEngineProbe, serializeHardware, type EngineProbe} from "../../plan/index.js";
import {runEngineProbe} from "../runEngineProbe.js";
import {fitLines} from "../fitLines.js";

interface HwArgs {
    probe: boolean;
    hardware?: string;
    json: boolean;
}

export const hwCommand: CommandModule<object, HwArgs> = {
    command: "hw",
    describe: "show the hardware r1 detected (CPU, RAM, GPUs, memory bandwidth)",
    builder: (y) => y
        .option("probe", {type: "boolean", default: false,
            describe: "measure this machine: RAM bandwidth, then the engine itself on small synthetic models (about a minute); cached for r1 plan"})
        .option("hardware", {type: "string", describe: `show a what-if profile instead (${hardwareProfileNames().join(", ")})`})
        .option("json", {type: "boolean", default: false, describe: "machine-readable output"}),
    handler: async (args) => {
        if (args.probe && args.hardware === undefined) {
            if (!args.json) process.stderr.write(pc.dim("probing memory bandwidth and matmul speed…\n"));
            const probe = await probeHardware();
            if (!args.json) {
                const median = probe.readBytesPerSecondMedian ?? probe.readBytesPerSecond;
                process.stderr.write(pc.dim(`measured ${(probe.readBytesPerSecond / 1e9).toFixed(1)} GB/s read (best of ${probe.readPasses ?? "?"} passes, ` +
                    `median ${(median / 1e9).toFixed(1)}) over ${probe.threads} threads, ${(probe.matmulFlopsPerSecond / 1e9).toFixed(1)} GFLOPS scalar JavaScript matmul; ` +
                    `cached${median < 0.8 * probe.readBytesPerSecond ? " — passes spread widely: the machine is busy, rerun when idle" : ""}\n`));
            }
        }
        const hardware = args.hardware === undefined ? await detectHardware() : await resolveHardware({profile: args.hardware});
        const engine = args.hardware !== undefined ? undefined
            : args.probe ? await runEngineProbe(hardware, {quiet: args.json}) : await loadEngineProbe(hardware);
        if (args.json) {
            process.stdout.write(`${JSON.stringify({...serializeHardware(hardware), engineProbe: engine ?? null}, null, 2)}\n`);
            return;
        }
        for (const line of fitLines(hardwareLines(hardware))) process.stdout.write(`${line}\n`);
        for (const line of engineProbeLines(engine, args.hardware === undefined)) process.stdout.write(`${line}\n`);
    }
};

/** What the engine probe measured, one line per backend; or how to get it. */
export function engineProbeLines(probe: EngineProbe | undefined, detected: boolean): string[] {
    if (probe === undefined) return detected ? [pc.dim("Engine: unprobed — `r1 hw --probe` measures decode and prompt rates per quant with the engine (about a minute)")] : [];
    const lines: string[] = [];
    for (const [backend, b] of Object.entries(probe.backends)) {
        if (b === undefined) continue;
        const types = Object.entries(b.types).map(([t, r]) => `${t} ${(r.decodeBytesPerSecond / 1e9).toFixed(1)} GB/s` +
            `${r.uncappedDecodeBytesPerSecond === undefined ? "" : " (capped)"}${r.decodeMethod === "whole" ? " (whole time: slope lost in noise)" : r.decodeMethod === "anchored" ? " (anchored: a slow spell)" : ""} · ${(r.promptFlopsPerSecond / 1e9).toFixed(0)} GFLOP/s`);
        lines.push(`Engine ${backend} (${b.threads} threads, probed ${probe.measuredAt.slice(0, 10)}): decode weights / prompt matmul — ${types.join("; ")}`);
        lines.push(`  overhead ${(b.perTokenOverheadSeconds * 1e3).toFixed(2)} ms/token + ${(b.perLayerOverheadSeconds * 1e6).toFixed(1)} µs/layer` +
            (b.promptWidthFactors === undefined ? "" : `; prompt ${b.promptWidthFactors.map((w) => `×${w.factor.toFixed(2)} at width ${w.hiddenSize}`).join(", ")}`) +
            (b.mmapRateRatio === undefined ? "" : `; memory-mapped decode at ${Math.round(b.mmapRateRatio * 100)}% of read-into-memory`) +
            (b.maxReadBytesPerSecond === undefined ? "" : `; rates capped at ${(b.maxReadBytesPerSecond / 1e9).toFixed(1)} GB/s (the memory's fastest plausible read)`));
    }
    return lines;
}
