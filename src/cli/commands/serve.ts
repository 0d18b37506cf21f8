import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {DEFAULT_CONTEXT_SIZE} from "../../engine/loadLimits.js";
import {loadEngineModel, type EngineLoadOptions} from "../../engine/loadEngineModel.js";
import {detectHardware, type HardwareProfile} from "../../hardware/index.js";
import {loadEngineProbe, planGgufFile} from "../../plan/index.js";
import {clampContextSize} from "../../server/clampContextSize.js";
import {CombinedModelSource} from "../../server/CombinedModelSource.js";
import {FileModelSource, modelNameOfFile, type LoadFile, type NamedModelFile} from "../../server/FileModelSource.js";
import {
    DEFAULT_HOST, DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_LOADED, DEFAULT_MAX_QUEUE, DEFAULT_PARALLEL, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS, MAX_BODY_BYTES
} from "../../server/limits.js";
import type {ModelSource} from "../../server/ModelSource.js";
import {parseKeepAlive} from "../../server/parseKeepAlive.js";
import {startServer} from "../../server/startServer.js";
import {LocalStoreModelSource} from "../../server/LocalStoreModelSource.js";
import {StoreModelSource} from "../../server/StoreModelSource.js";
import {mountWebUi} from "../../server/webUi.js";
import {ModelStore} from "../../store/ModelStore.js";
import {resolveOrPull} from "../pullIfMissing.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {describeEngine, describeLoadDecisions, engineFlagsToEngineOptions, engineFlagsToLoadOptions, withEngineFlags, type EngineFlags} from "../engineFlags.js";
import {applyLlamaServerExtras, withLlamaServerExtras, type LlamaServerExtraFlags} from "../llamaServerExtras.js";
import {withHostPort} from "../options/hostPort.js";
import {MODEL_ARGUMENT_HELP, withModelOption} from "../options/model.js";
import {withParallel} from "../options/parallel.js";
import {UpstreamModelSource} from "../../server/UpstreamModelSource.js";

interface ServeArgs extends EngineFlags, LlamaServerExtraFlags {
    model?: string[];
    host: string;
    port: number;
    "api-key"?: string;
    cors?: string[];
    "allowed-host"?: string[];
    parallel: number;
    "max-loaded": number;
    "max-queue": number;
    "keep-alive": string;
    timeout: number;
    "max-body": number;
    "local-stores": boolean;
    yes: boolean;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
    command: "serve",
    describe: "OpenAI- and Ollama-compatible HTTP API and a web chat page",
    builder: (yargs) => withParallel(withHostPort(withModelOption(withLlamaServerExtras(withEngineFlags(yargs as Argv<object>)),
        {array: true, describe: `${MODEL_ARGUMENT_HELP} to serve, besides every pulled model (repeatable)`}),
    {host: DEFAULT_HOST, port: DEFAULT_PORT, hostDescribe: "address to listen on; anything but loopback needs --api-key", portDescribe: "TCP port (Ollama uses 11434, llama-server 8080)"}),
    {default: DEFAULT_PARALLEL, describe: "generations at once per model (context sequences)"})
        .option("api-key", {type: "string", describe: "require `Authorization: Bearer KEY` on /v1, /api, /metrics and the page's /ui/api (default: R1_API_KEY)"})
        .option("cors", {type: "string", array: true, describe: "allow browser pages from this origin, or * for any (repeatable; default: none, other sites are refused)"})
        .option("allowed-host", {type: "string", array: true, describe: "also answer requests for this host name, e.g. behind a proxy (repeatable; default: loopback names and --host)"})
        .option("max-loaded", {type: "number", default: DEFAULT_MAX_LOADED, describe: "models loaded at once; idle ones are unloaded first"})
        .option("max-queue", {type: "number", default: DEFAULT_MAX_QUEUE, describe: "requests waiting per model before 429"})
        .option("keep-alive", {type: "string", default: `${DEFAULT_KEEP_ALIVE_MS / 60_000}m`, describe: "idle time before a model is unloaded (e.g. 30s, 10m, -1 = never)"})
        .option("timeout", {type: "number", default: DEFAULT_REQUEST_TIMEOUT_MS / 1000, describe: "seconds one request may take, queueing included"})
        .option("max-body", {type: "number", default: MAX_BODY_BYTES, describe: "largest request body in bytes"})
        .option("yes", {alias: "y", type: "boolean", default: false, describe: "pull a catalog model that is not pulled yet without asking"})
        .option("local-stores", {type: "boolean", default: true,
            describe: "also offer the GGUF models of Ollama, LM Studio and the Hugging Face and llama.cpp caches, read-only (`r1 ls --all`); --no-local-stores to hide them"}) as unknown as Argv<ServeArgs>,
    handler: async (args) => {
        const whole = (flag: string, value: number, min: number) => {
            if (!Number.isInteger(value) || value < min) throw new R1Error(`--${flag} must be a whole number ≥ ${min}, got ${value}`, {exitCode: ExitCode.usage});
            return value;
        };
        const engine = engineFlagsToLoadOptions(args);
        const engineOptions = engineFlagsToEngineOptions(args);
        const load: LoadFile = async (path, options) => {
            // A client's num_ctx is capped at the trained context (Ollama does too); the operator's -c is not.
            const contextSize = options.contextSize === undefined ? engine.contextSize : await clampContextSize(path, options.contextSize);
            const loadOptions: EngineLoadOptions = {...engine, ...engineOptions, path, parallel: options.parallel, ...(contextSize === undefined ? {} : {contextSize})};
            if (engine.gpuLayers === undefined || engine.mmap === undefined) {
                const planned = await plannedPlacement(path, contextSize ?? DEFAULT_CONTEXT_SIZE, options.parallel);
                if (engine.gpuLayers === undefined && planned?.gpuLayers !== undefined) loadOptions.gpuLayers = planned.gpuLayers;
                // Read into memory or mapped, as the plan decided from the engine probe (`r1 plan` explains why).
                if (engine.mmap === undefined && planned?.mmap !== undefined) loadOptions.mmap = planned.mmap;
            }
            // --rpc: a worker serves one llama-server at a time, so with --max-loaded 1 (the default) each load gets the workers.
            const model = await loadEngineModel(await applyLlamaServerExtras(loadOptions, args, {note: (line) => process.stderr.write(pc.dim(`${line}\n`))}));
            const info = model.info;
            process.stderr.write(pc.dim(`loaded ${path} (${model.decision.engine}): ${info.gpuLayers} GPU layers, context ${info.contextSize} × ${info.parallel} sequences, ` +
                `${(info.loadMs / 1000).toFixed(1)} s\n`));
            if (args.verbose) for (const line of [...describeEngine(model.decision), ...describeLoadDecisions(info, args, info.trainContextSize)]) process.stderr.write(pc.dim(`${line}\n`));
            return model;
        };
        let keepAliveMs: number;
        try {
            keepAliveMs = parseKeepAlive(args["keep-alive"]) ?? DEFAULT_KEEP_ALIVE_MS;
        } catch (error) {
            throw new R1Error(`--keep-alive: ${(error as Error).message}`, {exitCode: ExitCode.usage});
        }
        const store = new ModelStore();
        const sources: ModelSource[] = [];
        if (engineOptions.upstream !== undefined) {
            // The upstream's models, served through r1's APIs; nothing is loaded here.
            if (args.model !== undefined && args.model.length > 0) throw new R1Error("--upstream serves the upstream's models; --model cannot be added to it", {exitCode: ExitCode.usage});
            sources.push(new UpstreamModelSource(engineOptions.upstream));
        } else if (args.model !== undefined && args.model.length > 0) {
            const files: NamedModelFile[] = [];
            for (const given of args.model) {
                const resolved = await resolveOrPull(given, {yes: args.yes});
                files.push({name: resolved.name ?? modelNameOfFile(resolved.path), path: resolved.path});
            }
            const fileSource = new FileModelSource({files, load});
            await fileSource.check();
            sources.push(fileSource);
        }
        if (engineOptions.upstream === undefined) {
            sources.push(new StoreModelSource({store, load}));
            // Models Ollama, LM Studio and the Hugging Face / llama.cpp caches already have, used in place.
            if (args["local-stores"]) sources.push(new LocalStoreModelSource({load}));
        }
        const source = new CombinedModelSource(sources);
        const apiKey = args["api-key"] ?? process.env.R1_API_KEY;
        const server = await startServer({
            source,
            host: args.host,
            port: whole("port", args.port, 0),
            parallel: whole("parallel", args.parallel, 1),
            maxLoaded: whole("max-loaded", args["max-loaded"], 1),
            maxQueue: whole("max-queue", args["max-queue"], 0),
            keepAliveMs,
            requestTimeoutMs: whole("timeout", args.timeout, 1) * 1000,
            maxBodyBytes: whole("max-body", args["max-body"], 1024),
            ...(apiKey === undefined || apiKey === "" ? {} : {apiKey}),
            ...(args.cors === undefined ? {} : {corsOrigins: args.cors}),
            ...(args["allowed-host"] === undefined ? {} : {allowedHosts: args["allowed-host"]}),
            mount: (app) => mountWebUi(app, {
                models: async () => (await source.list()).map((model) => ({
                    id: model.name, sizeBytes: model.size, ...(model.quantization === undefined ? {} : {quant: model.quantization})
                }))
            })
        });
        const models = await source.list();
        process.stderr.write(`${pc.bold("r1 serve")} listening on ${pc.cyan(server.url)}  ` +
            `(OpenAI ${server.url}/v1, Ollama ${server.url}/api, web page ${server.url}/)\n`);
        process.stderr.write(pc.dim(`models: ${models.length === 0 ? "none yet (r1 pull NAME, or --model FILE.gguf)" : models.map((m) => m.name).join(", ")}; ` +
            `parallel ${args.parallel}, max loaded ${args["max-loaded"]}, keep-alive ${args["keep-alive"]}${apiKey ? ", API key required" : ""}\n`));
        // Listening with `on`, not `once`, until the server has stopped: node-llama-cpp brings in
        // signal-exit, which re-raises a signal (killing the process mid-shutdown, exit 130) when it
        // finds itself the only listener. A second signal while stopping quits at once.
        let stopping = false;
        const onSignal = () => {
            if (stopping) process.exit(ExitCode.interrupted);
            stopping = true;
            process.stderr.write(pc.dim("stopping… (again to quit now)\n"));
            stopRequested();
        };
        let stopRequested = () => {};
        const stopped = new Promise<void>((resolve) => {
            stopRequested = resolve;
        });
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
            await stopped;
            await server.stop();
        } finally {
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
        }
    }
};

let hardware: Promise<HardwareProfile> | undefined;

/**
 * The planner's GPU layer count and loading (mmap or read into memory, from the engine probe) for
 * this file, context and sequence count on this machine, so a model that does not fit in VRAM is
 * split the way `r1 plan` predicts. `undefined` (the engine then fits layers itself and maps the
 * file) when the file cannot be planned or the hardware cannot be read.
 */
async function plannedPlacement(file: string, contextSize: number, parallel: number): Promise<{gpuLayers: number, mmap?: boolean} | undefined> {
    try {
        hardware ??= detectHardware();
        const machine = await hardware;
        const probe = await loadEngineProbe(machine);
        const plan = await planGgufFile({source: file, hardware: machine, contextSize, parallelSequences: parallel, ...(probe === undefined ? {} : {probe})});
        // Unprobed, the engine keeps node-llama-cpp's own mmap choice ("auto").
        return plan.placement === "none" ? undefined : {gpuLayers: plan.gpuLayers, ...(probe === undefined ? {} : {mmap: plan.loading.mmap})};
    } catch {
        return undefined;
    }
}
