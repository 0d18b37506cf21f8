import type {Argv} from "yargs";
import {ENGINE_CHOICES, type EngineChoice} from "../../engine/loadEngineModel.js";
import {singleValue, usageError} from "./optionValue.js";

export interface EngineChoiceFlags {
    engine?: EngineChoice;
    "llama-server"?: string;
    upstream?: string;
    "upstream-key"?: string;
}

export function parseEngineChoice(value: unknown): EngineChoice {
    const name = String(singleValue("engine", value as string | string[])).toLowerCase();
    if (!(ENGINE_CHOICES as readonly string[]).includes(name)) throw usageError(`--engine ${name} is not one of ${ENGINE_CHOICES.join(", ")}`);
    return name as EngineChoice;
}

/** An http(s) base URL for `--upstream`. */
export function parseUpstreamUrl(value: unknown): string {
    const url = String(singleValue("upstream", value as string | string[]));
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw usageError(`--upstream ${url} is not a URL`, "for example --upstream http://127.0.0.1:8000");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw usageError(`--upstream ${url} is not an http(s) URL`, "for example --upstream http://127.0.0.1:8000");
    return url;
}

/**
 * Which engine runs the model: `--engine embedded|llama-server|auto`, `--llama-server PATH` (the
 * binary), or `--upstream URL` (+ `--upstream-key`) for a server that is already running.
 */
export function withEngineChoice<T>(yargs: Argv<T>): Argv<T & EngineChoiceFlags> {
    return yargs
        .option("engine", {type: "string", describe: `${ENGINE_CHOICES.join(", ")}: embedded is node-llama-cpp in r1, llama-server is llama.cpp's server, started and owned by r1, `
            + "auto is embedded unless the load needs llama-server or the model is deepseek2 on an AMX CPU, where the embedded engine aborts (default: auto)"})
        .option("llama-server", {type: "string", describe: "the llama-server binary to use (default: r1 engine build's, else one on PATH)"})
        .option("upstream", {type: "string", describe: "use an OpenAI-compatible server (vLLM, SGLang, llama-server, r1) at this URL instead of loading a model"})
        .option("upstream-key", {type: "string", describe: "API key for --upstream (default: R1_UPSTREAM_KEY)"})
        .middleware((argv: Record<string, unknown>) => {
            if (argv.engine !== undefined) argv.engine = parseEngineChoice(argv.engine);
            if (argv.upstream !== undefined) argv.upstream = parseUpstreamUrl(argv.upstream);
            else if (argv["upstream-key"] !== undefined) throw usageError("--upstream-key needs --upstream URL");
            for (const flag of ["llama-server", "upstream-key"]) {
                if (argv[flag] === undefined) continue;
                const value = String(singleValue(flag, argv[flag] as string | string[]));
                if (value.trim() === "") throw usageError(`--${flag} needs a value`);
                argv[flag] = value;
            }
        }) as unknown as Argv<T & EngineChoiceFlags>;
}
