import os from "node:os";
import cliProgress from "cli-progress";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {buildLlamaCppToolsIter, findLlamaCppTools, LLAMA_CPP_BACKENDS, LLAMA_CPP_RELEASE, LLAMA_CPP_TOOL_NAMES, type FoundLlamaCppTools,
    type LlamaCppBackend} from "../../engine/llamaCppTools/index.js";
import {formatDuration} from "../../store/index.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {renderTable} from "../renderTable.js";

interface BuildArgs {
    backend?: LlamaCppBackend;
    jobs?: number;
    force: boolean;
}

interface LsArgs {
    json: boolean;
    "llama-server"?: string;
}

/** Signals that stop `r1 engine build` and its build tree. */
const BUILD_STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Width of the progress bar, in characters. */
const BAR_SIZE = 30;

/** The progress line: bar, steps and what is being compiled. */
export function formatBuildBar(done: number, total: number, step: string, bar: string): string {
    const shortStep = step.length > 50 ? `…${step.slice(-49)}` : step;
    return `compiling ${bar} ${done}/${total} ${pc.dim(shortStep)}`;
}

const buildCommand: CommandModule<object, BuildArgs> = {
    command: "build",
    describe: `compile llama-server, ggml-rpc-server and llama-imatrix (llama.cpp ${LLAMA_CPP_RELEASE}, the sources node-llama-cpp ships)`,
    builder: (yargs) => (yargs as Argv<object>)
        .option("backend", {choices: LLAMA_CPP_BACKENDS, describe: "GPU backend (default: CUDA when nvcc and an NVIDIA driver are found, Metal on Apple Silicon, Vulkan when its SDK is found, else CPU)"})
        .option("jobs", {alias: "j", type: "number", describe: "parallel compile jobs (default: all cores)"})
        .option("force", {type: "boolean", default: false, describe: "build even when the install is up to date"})
        .epilog("Needs cmake and a C++ compiler (Ninja is used when installed). Nothing is downloaded. The tools go to "
            + "$R1_HOME/llama.cpp/<release>-<backend>/bin; an interrupted build resumes where it stopped.") as unknown as Argv<BuildArgs>,
    handler: async (args) => {
        const controller = new AbortController();
        // The build runs in a process group of its own (spawnLines), so a signal for r1 reaches it only through r1:
        // SIGINT, and SIGTERM or SIGHUP (a closed terminal) too, stop the whole tree, and r1 exits with 128 + the signal.
        const onSignal = (signal: NodeJS.Signals) => controller.abort(new R1Error(`r1 engine build interrupted${signal === "SIGINT" ? "" : ` (${signal})`}`,
            {exitCode: signal === "SIGINT" ? ExitCode.interrupted : 128 + os.constants.signals[signal], hint: "run it again to resume"}));
        for (const signal of BUILD_STOP_SIGNALS) process.once(signal, onSignal);
        const tty = process.stderr.isTTY === true;
        const bar = new cliProgress.SingleBar({
            format: (options, params, payload: {step: string}) => {
                const filled = Math.round(params.progress * BAR_SIZE);
                const barText = `${(options.barCompleteString ?? "█").slice(0, filled)}${(options.barIncompleteString ?? "░").slice(0, BAR_SIZE - filled)}`;
                return formatBuildBar(params.value, params.total, payload.step, barText);
            },
            stream: process.stderr, hideCursor: tty, clearOnComplete: false, barsize: BAR_SIZE, noTTYOutput: true, notTTYSchedule: 10_000, fps: 5
        }, cliProgress.Presets.shades_classic);
        let barStarted = false;
        const stopBar = () => {
            if (barStarted) bar.stop();
            barStarted = false;
        };
        try {
            for await (const event of buildLlamaCppToolsIter({backend: args.backend, jobs: args.jobs, force: args.force, signal: controller.signal})) {
                switch (event.type) {
                    case "start":
                        process.stderr.write(`llama.cpp ${event.release}, ${pc.bold(event.backend)} backend (${event.reason}) → ${event.installDir}\n`);
                        if (event.amx.state === "unusable") process.stderr.write(`${pc.yellow("AMX left out")}: ${event.amx.detail}\n`);
                        else if ((event.amx.compilerFlags ?? []).length > 0)
                            process.stderr.write(`${pc.green(`AMX kept with ${event.amx.compilerFlags!.join(" ")}`)}: ${event.amx.detail}\n`);
                        break;
                    case "unpack":
                        process.stderr.write(`unpacking the sources node-llama-cpp ships → ${pc.dim("llama.cpp/src")}\n`);
                        break;
                    case "configure":
                        if (!event.skipped) process.stderr.write("configuring (cmake)\n");
                        break;
                    case "compile":
                        if (!barStarted) {
                            bar.start(event.total, event.done, {step: event.step});
                            barStarted = true;
                        } else bar.update(event.done, {step: event.step});
                        break;
                    case "done":
                        if (barStarted) bar.update(bar.getTotal());
                        stopBar();
                        process.stderr.write(event.upToDate
                            ? `${pc.green("up to date")}: ${event.installDir}\n`
                            : `${pc.green("built")} in ${formatDuration(event.seconds)}: ${event.installDir}\n`);
                        for (const [tool, file] of Object.entries(event.tools)) process.stdout.write(`${tool}\t${file}\n`);
                        break;
                    default:
                        break;
                }
            }
        } catch (error) {
            stopBar();
            throw controller.signal.aborted ? controller.signal.reason : error;
        } finally {
            for (const signal of BUILD_STOP_SIGNALS) process.removeListener(signal, onSignal);
        }
    }
};

/** `r1 engine ls --json`: every install with its tools, and the one r1 uses for each tool. */
export function engineLsJson(found: FoundLlamaCppTools) {
    return {release: LLAMA_CPP_RELEASE, installs: found.installs, use: found.paths};
}

const lsCommand: CommandModule<object, LsArgs> = {
    command: "ls",
    describe: "list llama.cpp tools r1 can use: its builds, a llama-server on PATH (version checked)",
    builder: (yargs) => (yargs as Argv<object>)
        .option("json", {type: "boolean", default: false, describe: "print as JSON"})
        .option("llama-server", {type: "string", describe: "also check this llama-server binary"}) as unknown as Argv<LsArgs>,
    handler: async (args) => {
        const found = await findLlamaCppTools({llamaServerPath: args["llama-server"]});
        if (args.json) {
            process.stdout.write(`${JSON.stringify(engineLsJson(found), null, 2)}\n`);
            return;
        }
        if (found.installs.length === 0) {
            process.stdout.write(`no llama.cpp tools found; build them with ${pc.bold("r1 engine build")} (llama.cpp ${LLAMA_CPP_RELEASE})\n`);
            return;
        }
        const rows: string[][] = [];
        for (const install of found.installs) {
            rows.push([
                install.origin === "built" ? "r1 engine build" : install.origin === "path" ? "PATH" : "--llama-server",
                install.backend ?? "",
                install.compatible ? install.version ?? "" : pc.yellow(`incompatible: ${install.problem}`),
                LLAMA_CPP_TOOL_NAMES.filter((tool) => install.tools[tool] !== undefined).join(", "),
                install.dir
            ]);
        }
        process.stdout.write(`${renderTable([{header: "from"}, {header: "backend", dropOrder: 1}, {header: "version"}, {header: "tools", dropOrder: 2}, {header: "folder"}], rows)}\n`);
        const missing = LLAMA_CPP_TOOL_NAMES.filter((tool) => found.paths[tool] === undefined);
        if (missing.length > 0)
            process.stdout.write(`${pc.yellow("missing")}: ${missing.join(", ")} — build them with ${pc.bold("r1 engine build")}\n`);
    }
};

export const engineCommand: CommandModule = {
    command: "engine <command>",
    describe: "llama.cpp's own tools (llama-server, ggml-rpc-server, llama-imatrix): build and list them",
    builder: (yargs) => yargs.command(buildCommand).command(lsCommand).demandCommand(1, "say `r1 engine build` or `r1 engine ls`"),
    handler: () => undefined
};
