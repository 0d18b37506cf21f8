import type {CommandModule} from "yargs";
import pc from "picocolors";
import {detectHardware, hardwareLines, hardwareProfileNames, probeHardware, resolveHardware} from "../../hardware/index.js";
import {serializeHardware} from "../../plan/index.js";

interface HwArgs {
    probe: boolean;
    hardware?: string;
    json: boolean;
}

export const hwCommand: CommandModule<object, HwArgs> = {
    command: "hw",
    describe: "show the hardware r1 detected (CPU, RAM, GPUs, memory bandwidth)",
    builder: (y) => y
        .option("probe", {type: "boolean", default: false, describe: "measure RAM read bandwidth and matmul speed (a few seconds), cached for r1 plan"})
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
        if (args.json) {
            process.stdout.write(`${JSON.stringify(serializeHardware(hardware), null, 2)}\n`);
            return;
        }
        for (const line of hardwareLines(hardware)) process.stdout.write(`${line}\n`);
    }
};
