import readline from "node:readline";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {loadEngineModel, type EngineLoadOptions} from "../../engine/loadEngineModel.js";
import {MAX_CONTEXT_SIZE, MIN_CONTEXT_SIZE} from "../../engine/loadLimits.js";
import type {ChatMessage, GenerationEvent, GenerationOptions, GenerationResult, LoadedModel} from "../../engine/types.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {describeEngine, describeLoadDecisions, engineFlagsToEngineOptions, engineFlagsToLoadOptions, withEngineFlags, type EngineFlags} from "../engineFlags.js";
import {formatErrorLine} from "../formatErrorLine.js";
import {plannedLoad} from "../plannedLoad.js";
import {applyLlamaServerExtras, withLlamaServerExtras, type LlamaServerExtraFlags} from "../llamaServerExtras.js";
import {resolveOrPull} from "../pullIfMissing.js";

/** Largest prompt read from a pipe; more is almost certainly a mistake (the context is smaller anyway). */
export const MAX_STDIN_PROMPT_BYTES = 16 * 1024 * 1024;

interface RunArgs extends EngineFlags, LlamaServerExtraFlags {
    model: string;
    prompt?: string;
    system?: string;
    raw: boolean;
    json: boolean;
    greedy: boolean;
    n?: number;
    temperature?: number;
    "top-p"?: number;
    "top-k"?: number;
    seed?: number;
    think?: boolean;
    "think-budget"?: number;
    "hide-thinking": boolean;
    yes: boolean;
}

export const runCommand: CommandModule<object, RunArgs> = {
    command: "run <model>",
    describe: "chat in the terminal, reasoning shown apart from the answer",
    builder: (yargs) => withLlamaServerExtras(withEngineFlags(yargs as Argv<object>))
        .positional("model", {type: "string", demandOption: true, describe: "a model's name (a catalog model not pulled yet is offered for download), a name from `r1 ls --all`, or a path to a .gguf file"})
        .option("yes", {alias: "y", type: "boolean", default: false, describe: "pull a catalog model that is not pulled yet without asking"})
        .option("prompt", {alias: "p", type: "string", describe: "one-shot: print the reply to this prompt and exit (stdin when piped)"})
        .option("system", {type: "string", describe: "system prompt (folded into the first user turn for R1, as DeepSeek recommends)"})
        .option("raw", {type: "boolean", default: false, describe: "plain completion of the prompt, no chat template"})
        .option("json", {type: "boolean", default: false, describe: "one-shot: print {reasoning, answer, stats} as JSON"})
        .option("greedy", {type: "boolean", default: false, describe: "always pick the most likely token (temperature 0)"})
        .option("n", {alias: "n-predict", type: "number",
            describe: `most tokens to generate, reasoning included (one-shot default: the context for R1, ${DEFAULT_PLAIN_MAX_TOKENS} for a model that does not reason)`})
        .option("temperature", {type: "number", describe: "sampling temperature (default: 0.6, DeepSeek's recommendation)"})
        .option("top-p", {type: "number", describe: "nucleus sampling (default: 0.95)"})
        .option("top-k", {type: "number", describe: "top-k sampling (default: 40)"})
        .option("seed", {type: "number", describe: "fixed sampling seed"})
        .option("think", {type: "boolean", describe: "let the model reason first (the default for R1; --no-think answers directly)"})
        .option("think-budget", {type: "number", describe: "most reasoning tokens before the thought is closed"})
        .option("hide-thinking", {type: "boolean", default: false, describe: "show only a one-line reasoning progress, not its text"}) as unknown as Argv<RunArgs>,
    handler: async (args) => {
        const flagged = engineFlagsToLoadOptions(args);
        const engine = engineFlagsToEngineOptions(args);
        // With --upstream the model is the upstream's name: nothing is resolved, pulled or planned here.
        const planned = engine.upstream !== undefined
            ? {options: {...flagged, path: args.model}, reasons: ["--upstream: the upstream server places its model itself"]}
            : await (async () => {
                const resolved = await resolveOrPull(args.model, {yes: args.yes, ...(flagged.contextSize === undefined ? {} : {contextSize: flagged.contextSize})});
                return plannedLoad({...flagged, path: resolved.path}, {
                    ...(resolved.manifest?.catalogId === undefined ? {} : {catalogId: resolved.manifest.catalogId}),
                    ...(resolved.manifest?.quant === undefined ? {} : {quant: resolved.manifest.quant.toUpperCase()})
                }, {...(engine.engine === undefined ? {} : {choice: engine.engine})});
            })();
        const loadOptions: EngineLoadOptions = await applyLlamaServerExtras({...planned.options, ...engine}, args,
            {...(planned.plan === undefined ? {} : {catalogId: planned.plan.model}), note: (line) => process.stderr.write(pc.dim(`${line}\n`))});
        const generation = generationOptions(args);
        const prompt = args.prompt ?? (process.stdin.isTTY ? undefined : await readStdin());
        if (prompt === undefined && args.json) throw new R1Error("--json needs a prompt (-p or stdin)", {exitCode: ExitCode.usage});
        if (prompt === undefined && args.raw) throw new R1Error("--raw needs a prompt (-p or stdin)", {exitCode: ExitCode.usage});
        const loaded = await loadEngineModel(loadOptions);
        const session: {model: LoadedModel} = {model: loaded};
        try {
            if (args.verbose) for (const line of [...describeEngine(loaded.decision), ...describeLoadDecisions(session.model.info, args, session.model.info.trainContextSize), ...planned.reasons]) process.stderr.write(pc.dim(`${line}\n`));
            if (prompt !== undefined) await oneShot(session.model, prompt, args, generation);
            else await interactive(session, loadOptions, args, generation);
        } finally {
            await session.model.dispose();
        }
    }
};

/**
 * One-shot replies of a model that does not reason stop here unless `-n` says otherwise: such a
 * model (stories260K, a base model) rarely ends a chat turn and would fill the whole context
 * (2,023 tokens, 57 s on stories260K). R1's reasoning needs thousands of tokens, so it keeps the context as its limit.
 */
export const DEFAULT_PLAIN_MAX_TOKENS = 512;
/** Largest sampling temperature accepted (llama.cpp's samplers accept more, but nothing useful happens past it). */
export const MAX_TEMPERATURE = 5;

/** A one-shot reply's token limit: `-n`, else `DEFAULT_PLAIN_MAX_TOKENS` for a model that does not reason, else the context (undefined). */
export function oneShotMaxTokens(requested: number | undefined, reasoning: boolean): number | undefined {
    return requested ?? (reasoning ? undefined : DEFAULT_PLAIN_MAX_TOKENS);
}

/** A number flag that must be finite and within [min, max] (yargs turns `abc` into NaN without a word). */
function checkedNumber(flag: string, value: number, min: number, max: number, integer = false): number {
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
        throw new R1Error(`--${flag} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}, got ${Number.isNaN(value) ? "not a number" : value}`,
            {exitCode: ExitCode.usage});
    return value;
}

function generationOptions(args: RunArgs): GenerationOptions {
    const options: GenerationOptions = args.think === undefined ? {} : {think: args.think};
    if (args.greedy) options.temperature = 0;
    else if (args.temperature !== undefined) options.temperature = checkedNumber("temperature", args.temperature, 0, MAX_TEMPERATURE);
    if (args["top-p"] !== undefined) options.topP = checkedNumber("top-p", args["top-p"], 0, 1);
    if (args["top-k"] !== undefined) options.topK = checkedNumber("top-k", args["top-k"], 0, 1_000_000, true);
    if (args.seed !== undefined) options.seed = checkedNumber("seed", args.seed, 0, 2 ** 32 - 1, true);
    if (args.n !== undefined) {
        if (!Number.isInteger(args.n) || args.n < 1) throw new R1Error(`-n must be a whole number ≥ 1, got ${args.n}`, {exitCode: ExitCode.usage});
        options.maxTokens = args.n;
    }
    if (args["think-budget"] !== undefined) {
        if (!Number.isInteger(args["think-budget"]) || args["think-budget"] < 0) throw new R1Error("--think-budget must be a whole number of tokens", {exitCode: ExitCode.usage});
        options.thinkBudget = args["think-budget"];
    }
    return options;
}

async function readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_STDIN_PROMPT_BYTES) throw new R1Error(`the prompt on stdin is over ${MAX_STDIN_PROMPT_BYTES / 1024 / 1024} MiB`, {exitCode: ExitCode.usage});
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8").replace(/\n$/, "");
}

async function oneShot(model: LoadedModel, prompt: string, args: RunArgs, options: GenerationOptions): Promise<void> {
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once("SIGINT", onInterrupt);
    const maxTokens = oneShotMaxTokens(options.maxTokens, model.info.reasoning);
    const signalled = {...options, ...(maxTokens === undefined ? {} : {maxTokens}), signal: controller.signal};
    const events = args.raw
        ? model.complete(prompt, {...signalled, echoPrompt: true})
        : model.chat(chatMessages(args.system, [{role: "user", content: prompt}]), signalled);
    try {
        const result = args.json ? await drain(events) : await printReply(events, args["hide-thinking"]);
        if (result.finishReason === "length" && signalled.maxTokens === DEFAULT_PLAIN_MAX_TOKENS && args.n === undefined)
            process.stderr.write(pc.dim(`(stopped at ${DEFAULT_PLAIN_MAX_TOKENS} tokens, the default for a model that does not reason; -n N for more)\n`));
        if (args.json) process.stdout.write(`${JSON.stringify({reasoning: result.reasoning, answer: result.answer, stats: replyStats(result)})}\n`);
        else {
            if (!result.answer.endsWith("\n")) process.stdout.write("\n");
            process.stderr.write(pc.dim(`${formatStats(result)}\n`));
        }
        if (result.finishReason === "abort") process.exitCode = ExitCode.interrupted;
    } finally {
        process.off("SIGINT", onInterrupt);
    }
}

function chatMessages(system: string | undefined, turns: ChatMessage[]): ChatMessage[] {
    return system === undefined || system === "" ? turns : [{role: "system", content: system}, ...turns];
}

async function drain(events: AsyncIterable<GenerationEvent>): Promise<GenerationResult> {
    for await (const event of events) if (event.type === "done") return event.result;
    throw new R1Error("generation ended without a result");
}

/** Streams reasoning dimmed on stderr (or a one-line counter) and the answer on stdout. */
async function printReply(events: AsyncIterable<GenerationEvent>, hideThinking: boolean): Promise<GenerationResult> {
    let reasoningChars = 0;
    let thinkingShown = false;
    for await (const event of events) {
        if (event.type === "reasoning") {
            reasoningChars += event.text.length;
            if (hideThinking) {
                if (process.stderr.isTTY) process.stderr.write(`\r${pc.dim(`thinking… ${reasoningChars} characters`)}`);
            } else process.stderr.write(pc.dim(event.text));
            thinkingShown = true;
        } else if (event.type === "answer") {
            if (thinkingShown) {
                process.stderr.write(hideThinking ? (process.stderr.isTTY ? "\r\x1b[K" : "") : "\n\n");
                thinkingShown = false;
            }
            process.stdout.write(event.text);
        } else if (event.type === "done") {
            if (thinkingShown && !hideThinking) process.stderr.write("\n");
            return event.result;
        }
    }
    throw new R1Error("generation ended without a result");
}

/** Figures a reply is judged by: speeds, token counts, time to the first answer token. */
export function replyStats(result: GenerationResult) {
    const evaluated = result.usage.promptTokens - (result.usage.cachedPromptTokens ?? 0);
    return {
        promptTokens: result.usage.promptTokens,
        promptTokensPerSecond: result.timings.promptMs > 0 ? evaluated / (result.timings.promptMs / 1000) : null,
        generationTokensPerSecond: result.usage.completionTokens > 1 && result.timings.generationMs > 0
            ? (result.usage.completionTokens - 1) / (result.timings.generationMs / 1000)
            : null,
        reasoningTokens: result.usage.reasoningTokens,
        answerTokens: result.usage.completionTokens - result.usage.reasoningTokens,
        firstAnswerMs: result.timings.firstAnswerMs ?? null,
        finishReason: result.finishReason
    };
}

export function formatStats(result: GenerationResult): string {
    const s = replyStats(result);
    const rate = (value: number | null) => value === null ? "–" : value.toFixed(1);
    return [
        `prompt ${s.promptTokens} tok at ${rate(s.promptTokensPerSecond)} tok/s`,
        `generation ${rate(s.generationTokensPerSecond)} tok/s`,
        `reasoning ${s.reasoningTokens} tok`,
        `answer ${s.answerTokens} tok`,
        `first answer token ${s.firstAnswerMs === null ? "–" : `${(s.firstAnswerMs / 1000).toFixed(2)} s`}`,
        ...(s.finishReason === "stop" ? [] : [`stopped: ${s.finishReason}`])
    ].join(" · ");
}

/**
 * Why `/set KEY VALUE` cannot be applied, or undefined when it can: only `temperature` (0 to
 * `MAX_TEMPERATURE`) and `ctx` (`MIN_CONTEXT_SIZE` to the model's trained context) exist. Pure.
 */
export function checkSetting(key: string | undefined, value: string | undefined, trainContextSize: number | undefined): R1Error | undefined {
    const usage = (message: string, hint: string) => new R1Error(message, {exitCode: ExitCode.usage, hint});
    if (key !== "temperature" && key !== "ctx")
        return usage(key === undefined ? "/set needs a setting" : `there is no setting ${key}`, "use /set temperature 0.5 or /set ctx 8192");
    const number = Number(value);
    if (value === undefined || value === "" || !Number.isFinite(number)) return usage(`/set ${key} needs a number`, `for example /set ${key} ${key === "ctx" ? 8192 : 0.6}`);
    if (key === "temperature" && (number < 0 || number > MAX_TEMPERATURE)) return usage(`temperature ${value} is outside 0 to ${MAX_TEMPERATURE}`, "DeepSeek recommends 0.5 to 0.7 for R1");
    if (key === "ctx") {
        if (!Number.isInteger(number) || number < MIN_CONTEXT_SIZE) return usage(`the context must be a whole number of tokens, at least ${MIN_CONTEXT_SIZE}`, "for example /set ctx 8192");
        if (number > MAX_CONTEXT_SIZE) return usage(`the context ${number} is over r1's limit of ${MAX_CONTEXT_SIZE} tokens`, "for example /set ctx 8192");
        if (trainContextSize !== undefined && number > trainContextSize)
            return usage(`the context ${number} is past the ${trainContextSize} tokens this model was trained on`, `use at most /set ctx ${trainContextSize}`);
    }
    return undefined;
}

/** The chat loop. `/set ctx` reloads the model into `session.model`, which the caller disposes. */
async function interactive(session: {model: LoadedModel}, loadOptions: EngineLoadOptions, args: RunArgs, options: GenerationOptions): Promise<void> {
    const history: ChatMessage[] = [];
    let last: GenerationResult | undefined;
    let replying: AbortController | undefined;
    const rl = readline.createInterface({input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY});
    rl.on("SIGINT", () => {
        // Mid-reply, only stop it: the loop prompts once the reply has ended. Prompting now would
        // redraw the prompt over the line the reply is still writing (and erase it).
        if (replying !== undefined) {
            replying.abort();
            return;
        }
        process.stdout.write(pc.dim("\n(/bye or Ctrl-D to leave)\n"));
        rl.prompt();
    });
    process.stdout.write(pc.dim(`${session.model.info.path} · context ${session.model.info.contextSize} · /set temperature 0.5 · /set ctx 16384 · /clear · /stats · /bye\n`));
    rl.setPrompt(pc.bold(">>> "));
    rl.prompt();
    try {
        for await (const line of rl) {
            const input = line.trim();
            if (input === "") {
                rl.prompt();
                continue;
            }
            if (input.startsWith("/")) {
                const [command, key, value] = input.split(/\s+/);
                if (command === "/bye" || command === "/exit") break;
                if (command === "/clear") {
                    history.length = 0;
                    process.stdout.write(pc.dim("conversation cleared\n"));
                } else if (command === "/stats") {
                    process.stdout.write(pc.dim(`${last === undefined ? "no reply yet" : formatStats(last)}\n`));
                } else if (command === "/set") {
                    const problem = checkSetting(key, value, session.model.info.trainContextSize);
                    if (problem !== undefined) {
                        process.stderr.write(`${formatErrorLine(problem)}\n`);
                    } else if (key === "temperature") {
                        options.temperature = Number(value);
                        process.stdout.write(pc.dim(`temperature ${options.temperature}\n`));
                    } else {
                        await session.model.dispose();
                        session.model = await loadEngineModel({...loadOptions, contextSize: Number(value)});
                        process.stdout.write(pc.dim(`context ${session.model.info.contextSize} tokens\n`));
                    }
                } else {
                    process.stdout.write(pc.dim("commands: /set temperature 0.5 · /set ctx 16384 · /clear · /stats · /bye\n"));
                }
                rl.prompt();
                continue;
            }
            history.push({role: "user", content: input});
            replying = new AbortController();
            try {
                last = await printReply(session.model.chat(chatMessages(args.system, history), {...options, signal: replying.signal}), args["hide-thinking"]);
                process.stdout.write("\n");
                process.stderr.write(pc.dim(`${formatStats(last)}\n`));
                history.push({role: "assistant", content: last.answer, reasoning: last.reasoning});
            } catch (error) {
                history.pop();
                if (!(error instanceof R1Error)) throw error;
                process.stderr.write(`${formatErrorLine(error)}\n`);
            } finally {
                replying = undefined;
            }
            rl.prompt();
        }
    } finally {
        rl.close();
    }
}
