import path from "node:path";
import cliProgress from "cli-progress";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {computeImatrixIter} from "../../engine/imatrix/index.js";
import {noRepackUpFront} from "../../engine/amxRepackAbort.js";
import {findLlamaCppTools, installOf, requireLlamaCppTool} from "../../engine/llamaCppTools/index.js";
import {loadFacts} from "../../engine/loadEngineModel.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {withContextSize} from "../options/contextSize.js";
import {withGpuLayers} from "../options/gpuLayers.js";
import {withThreads} from "../options/threads.js";

interface ImatrixArgs {
    model: string;
    text: string;
    output?: string;
    "ctx-size": number;
    chunks?: number;
    threads?: number;
    "gpu-layers"?: number;
    "llama-imatrix"?: string;
}

export const imatrixCommand: CommandModule<object, ImatrixArgs> = {
    command: "imatrix <model>",
    describe: "compute an importance matrix for `r1 quantize --imatrix` with llama.cpp's llama-imatrix",
    builder: (yargs) => withGpuLayers(withThreads(withContextSize(yargs as Argv<object>, {default: 512, describe: "tokens per chunk"}),
        {describe: "CPU threads (default: llama.cpp's choice)"}), {describe: "layers on the GPU (default: llama.cpp's choice)"})
        .positional("model", {type: "string", demandOption: true, describe: "GGUF model (ideally F16/BF16), or a model name `r1 ls` shows"})
        .option("text", {type: "string", demandOption: true, describe: "calibration text file (a few hundred KB of text like what the model will see)"})
        .option("output", {alias: "o", type: "string", describe: "imatrix file to write, GGUF form (default: <model>.imatrix.gguf here)"})
        .option("chunks", {type: "number", describe: "most chunks to process (default: all of the text)"})
        .option("llama-imatrix", {type: "string", describe: "llama-imatrix binary (default: the one `r1 engine build` made, or on PATH)"})
        .example("$0 imatrix model-F16.gguf --text calibration.txt", "then: r1 quantize model-F16.gguf out.gguf --recipe ud-1.58 --imatrix model-F16.imatrix.gguf") as unknown as Argv<ImatrixArgs>,
    handler: async (args) => {
        let model = args.model;
        if (!model.toLowerCase().endsWith(".gguf")) {
            const {resolveModel} = await import("../../store/resolveModelPath.js");
            model = (await resolveModel(model)).path;
        }
        const found = await findLlamaCppTools();
        const binary = args["llama-imatrix"] ?? requireLlamaCppTool(found, "llama-imatrix");
        // deepseek2 aborts in this llama.cpp with AMX weight buffers, as in llama-server (noRepackUpFront).
        const repack = !noRepackUpFront({...await loadFacts({path: model}), buildAmx: installOf(found, "llama-imatrix", binary)?.amx});
        const output = args.output ?? `${path.basename(model).replace(/(-\d{5}-of-\d{5})?\.gguf$/i, "")}.imatrix.gguf`;
        if (path.resolve(output) === path.resolve(model)) throw new R1Error(`refusing to overwrite the model ${model}`, {exitCode: ExitCode.usage, hint: "choose another --output"});
        const controller = new AbortController();
        const onSignal = () => controller.abort();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const tty = process.stderr.isTTY === true;
        const bar = new cliProgress.SingleBar({
            format: `${pc.cyan("{bar}")} {percentage}% | chunk {value}/{total} | {eta_formatted} left`,
            barCompleteChar: "█", barIncompleteChar: "░", hideCursor: true, stream: process.stderr
        }, cliProgress.Presets.shades_classic);
        let barStarted = false;
        try {
            for await (const event of computeImatrixIter({
                model, text: args.text, output, binary, contextSize: args["ctx-size"],
                ...(args.chunks === undefined ? {} : {chunks: args.chunks}),
                ...(args.threads === undefined ? {} : {threads: args.threads}),
                ...(args["gpu-layers"] === undefined ? {} : {gpuLayers: args["gpu-layers"]}),
                ...repack ? {} : {repack},
                signal: controller.signal
            })) {
                if (event.type === "start") {
                    process.stderr.write(`computing an importance matrix for ${model} over ${event.chunks} chunk(s) of ${event.contextSize} tokens with ${binary}`
                        + `${repack ? "" : " --no-repack (deepseek2 aborts with this llama.cpp's AMX weight buffers)"}\n`);
                    if (tty) { bar.start(event.chunks, 0); barStarted = true; }
                } else if (event.type === "progress") {
                    if (barStarted) bar.update(event.chunk);
                    else process.stderr.write(`chunk ${event.chunk}/${event.chunks}\n`);
                } else {
                    if (barStarted) { bar.stop(); barStarted = false; }
                    process.stderr.write(`${pc.green("done:")} ${event.path}: ${event.entries} tensors, ${event.chunks} chunks, ${event.seconds.toFixed(1)} s\n`);
                    process.stdout.write(`${event.path}\n`);
                }
            }
        } catch (error) {
            if (controller.signal.aborted) throw new R1Error("interrupted: no imatrix was written", {exitCode: ExitCode.interrupted});
            throw error;
        } finally {
            if (barStarted) bar.stop();
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
        }
    }
};
