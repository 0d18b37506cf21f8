// One option builder per concept (src/cli/options): every command that takes a concept accepts the
// same spellings and refuses the same bad values with the same one-line message (exit code 2). The
// real command modules are parsed in-process by the real parser (createCli), their handlers
// replaced by one that keeps the parsed flags, so nothing is loaded, started or downloaded.
import assert from "node:assert/strict";
import {describe, test} from "node:test";
import {commandLoaders, type AnyCommand} from "../../src/cli/commands/index.js";
import {createCli} from "../../src/cli/createCli.js";
import {MAX_CONTEXT_SIZE, MAX_PARALLEL_SEQUENCES, MIN_CONTEXT_SIZE} from "../../src/engine/loadLimits.js";
import {MAX_THREADS} from "../../src/cli/options/threads.js";
import {MAX_GPU_LAYERS} from "../../src/cli/options/gpuLayers.js";
import {R1Error} from "../../src/util/R1Error.js";

class UsageMessage extends Error {}

async function command(name: string): Promise<AnyCommand> {
    const loader = commandLoaders.find(([n]) => n === name);
    assert.ok(loader !== undefined, name);
    return loader[1]();
}

/** The flags `argv` parses to, as the command's handler would get them. */
async function parse(argv: string[]): Promise<Record<string, unknown>> {
    let parsed: Record<string, unknown> | undefined;
    const real = await command(argv[0]!);
    const stub: AnyCommand = {...real, handler: (args: Record<string, unknown>) => {
        parsed = args;
    }};
    await createCli(argv, [stub], (message, error) => {
        throw error ?? new UsageMessage(message ?? "usage");
    }).parseAsync();
    assert.ok(parsed !== undefined, `${argv.join(" ")}: the handler did not run`);
    return parsed;
}

/** The one-line message `argv` is refused with (an R1Error with exit code 2). */
async function refusal(argv: string[]): Promise<string> {
    try {
        await parse(argv);
    } catch (error) {
        assert.ok(error instanceof R1Error, `${argv.join(" ")}: ${String(error)}`);
        assert.equal(error.exitCode, 2, argv.join(" "));
        assert.doesNotMatch(error.message, /\n/);
        return error.message;
    }
    assert.fail(`${argv.join(" ")} was accepted`);
}

/** Each command's arguments before the flags under test (positionals and required flags). */
const BASE: Record<string, string[]> = {
    run: ["run", "m"], serve: ["serve"], bench: ["bench", "m"], plan: ["plan"], imatrix: ["imatrix", "m", "--text", "t"],
    worker: ["worker"], quantize: ["quantize", "in.gguf", "out.gguf"], eval: ["eval", "-d", "x.jsonl"]
};

interface Concept {
    commands: string[];
    /** Spellings and what the handler then reads, under each key. */
    accepted: {argv: string[], expect: Record<string, unknown>}[];
    rejected: string[][];
    /** The commands' ranges differ (eval's requests in flight vs a model's sequences): compare the messages without them. */
    rangesDiffer?: true;
}

const CONCEPTS: Record<string, Concept> = {
    "context size": {
        commands: ["run", "serve", "bench", "plan", "imatrix"],
        accepted: [
            {argv: ["-c", "8192"], expect: {"ctx-size": 8192, c: 8192, ctx: 8192}},
            {argv: ["--ctx-size", "8192"], expect: {"ctx-size": 8192, c: 8192, ctx: 8192}},
            {argv: ["--ctx", String(MIN_CONTEXT_SIZE)], expect: {"ctx-size": MIN_CONTEXT_SIZE, c: MIN_CONTEXT_SIZE}},
            {argv: ["-c", String(MAX_CONTEXT_SIZE)], expect: {"ctx-size": MAX_CONTEXT_SIZE}}
        ],
        rejected: [["-c", "abc"], ["-c", String(MIN_CONTEXT_SIZE - 1)], ["--ctx-size", String(MAX_CONTEXT_SIZE + 1)], ["--ctx", "1.5"], ["-c", "1024", "--ctx", "2048"]]
    },
    threads: {
        commands: ["run", "serve", "bench", "imatrix", "worker", "quantize"],
        accepted: [{argv: ["-t", "4"], expect: {threads: 4, t: 4}}, {argv: ["--threads", "1"], expect: {threads: 1, t: 1}}],
        rejected: [["-t", "0"], ["--threads", String(MAX_THREADS + 1)], ["-t", "two"], ["-t", "1.5"]]
    },
    "GPU layers": {
        commands: ["run", "serve", "bench", "imatrix"],
        accepted: [
            {argv: ["-ngl", "99"], expect: {ngl: 99, "gpu-layers": 99, "n-gpu-layers": 99}},
            {argv: ["--n-gpu-layers", "0"], expect: {ngl: 0}},
            {argv: ["--gpu-layers", "12"], expect: {ngl: 12}}
        ],
        rejected: [["-ngl", "-1"], ["-ngl", "all"], ["--ngl", String(MAX_GPU_LAYERS + 1)], ["-ngl", "2.5"]]
    },
    quant: {
        commands: ["plan", "bench"],
        accepted: [{argv: ["-q", "q4_k_m"], expect: {quant: "Q4_K_M", q: "Q4_K_M"}}, {argv: ["--quant", "Q8_0"], expect: {quant: "Q8_0"}}],
        rejected: [["-q", "15b"], ["--quant", "Q9_K"], ["-q", "Q8_0", "-q", "Q2_K"]]
    },
    "KV cache types": {
        commands: ["run", "serve", "bench", "plan"],
        accepted: [
            {argv: ["--cache-type-k", "Q8_0", "--cache-type-v", "q8_0"], expect: {"cache-type-k": "q8_0", "cache-type-v": "q8_0"}},
            {argv: ["-ctk", "q4_0", "-ctv", "q4_0"], expect: {"cache-type-k": "q4_0", "cache-type-v": "q4_0"}},
            {argv: ["--kv-cache", "q8_0"], expect: {"cache-type-k": "q8_0", "cache-type-v": "q8_0"}}
        ],
        rejected: [["--cache-type-k", "q3_k"], ["-ctv", ""], ["--kv-cache", "q8_0", "--cache-type-k", "f16"], ["--kv-cache", "int8"]]
    },
    "engine choice": {
        commands: ["run", "serve", "bench"],
        accepted: [
            {argv: ["--engine", "LLAMA-SERVER"], expect: {engine: "llama-server"}},
            {argv: ["--llama-server", "/opt/llama-server", "--engine", "embedded"], expect: {"llama-server": "/opt/llama-server", engine: "embedded"}},
            {argv: ["--upstream", "http://127.0.0.1:8000", "--upstream-key", "k"], expect: {upstream: "http://127.0.0.1:8000", "upstream-key": "k"}}
        ],
        rejected: [["--engine", "vllm"], ["--upstream", "ftp://host"], ["--upstream", "not a url"], ["--upstream-key", "k"], ["--llama-server", ""]]
    },
    "mmap and mlock": {
        commands: ["run", "serve", "bench", "plan"],
        accepted: [{argv: ["--mmap"], expect: {mmap: true}}, {argv: ["--no-mmap", "--mlock"], expect: {mmap: false, mlock: true}}],
        rejected: [] // booleans: any spelling is true or false; a misspelt flag is yargs' usage message (the last test)
    },
    rpc: {
        commands: ["run", "serve", "bench", "plan"],
        accepted: [{argv: ["--rpc", "192.168.1.20:50052,192.168.1.21:50052"], expect: {rpc: "192.168.1.20:50052,192.168.1.21:50052"}}],
        rejected: [["--rpc", ""], ["--rpc", "host-without-port"], ["--rpc", "h:99999"]]
    },
    "host and port": {
        commands: ["serve", "worker"],
        accepted: [{argv: ["--host", "0.0.0.0", "--port", "0"], expect: {host: "0.0.0.0", port: 0}}, {argv: ["--port", "65535"], expect: {port: 65535}}],
        rejected: [["--port", "65536"], ["--port", "http"], ["--port", "-1"], ["--host", ""], ["--host", "http://x"]]
    },
    parallel: {
        commands: ["serve", "plan", "eval"],
        accepted: [{argv: ["-np", "4"], expect: {parallel: 4, np: 4}}, {argv: ["--parallel", "1"], expect: {parallel: 1}}],
        rejected: [["-np", "0"], ["--parallel", "many"], ["-np", "1.5"]],
        rangesDiffer: true
    },
    model: {
        commands: ["serve", "eval"],
        accepted: [{argv: ["-m", "deepseek-r1:7b"], expect: {m: "deepseek-r1:7b"}}, {argv: ["--model", "x.gguf"], expect: {model: "x.gguf"}}],
        rejected: [["-m", ""], ["--model", "   "]]
    }
};

for (const [concept, {commands, accepted, rejected, rangesDiffer}] of Object.entries(CONCEPTS)) {
    describe(`${concept}: ${commands.join(", ")}`, () => {
        for (const {argv, expect} of accepted) {
            test(`${argv.join(" ")} is read the same by every command`, async () => {
                for (const name of commands) {
                    const flags = await parse([...BASE[name]!, ...argv]);
                    for (const [key, value] of Object.entries(expect)) {
                        const got = flags[key];
                        assert.deepEqual(Array.isArray(got) && !Array.isArray(value) ? got[0] : got, value, `r1 ${name} ${argv.join(" ")}: ${key}`);
                    }
                }
            });
        }
        for (const argv of rejected) {
            test(`${JSON.stringify(argv.join(" "))} is refused by every command with the same line`, async () => {
                const messages = new Set<string>();
                for (const name of commands) {
                    const message = await refusal([...BASE[name]!, ...argv]);
                    messages.add(rangesDiffer === true ? message.replace(/from \d+ to \d+/, "from … to …") : message);
                }
                assert.equal(messages.size, 1, [...messages].join(" | "));
            });
        }
    });
}

describe("one meaning of -p in r1: the prompt", () => {
    test("r1 run -p is the prompt", async () => {
        assert.equal((await parse(["run", "m", "-p", "hello"])).prompt, "hello");
    });
    test("r1 bench -p is refused, naming --n-prompt; --n-prompt is the prompt length", async () => {
        assert.match(await refusal(["bench", "m", "-p", "16"]), /r1 bench has no -p .*--n-prompt/);
        assert.equal((await parse(["bench", "m", "--n-prompt", "16"]))["n-prompt"], 16);
    });
    test("r1 eval -p is refused, naming --parallel / -np", async () => {
        assert.match(await refusal(["eval", "-d", "x.jsonl", "-p", "2"]), /r1 eval has no -p .*-np or --parallel/);
        assert.equal((await parse(["eval", "-d", "x.jsonl", "-np", "2"])).parallel, 2);
    });
    test("eval's --parallel is requests in flight (up to 256), a loaded model's sequences stop at MAX_PARALLEL_SEQUENCES", async () => {
        const over = String(MAX_PARALLEL_SEQUENCES + 1);
        assert.equal((await parse(["eval", "-d", "x.jsonl", "-np", over])).parallel, MAX_PARALLEL_SEQUENCES + 1);
        for (const name of ["serve", "plan"]) assert.match(await refusal([...BASE[name]!, "-np", over]), new RegExp(`from 1 to ${MAX_PARALLEL_SEQUENCES}`));
    });
});

test("a flag no command knows is still a usage message, not a crash", async () => {
    await assert.rejects(parse(["run", "m", "--ctx-sise", "4"]), UsageMessage);
});
