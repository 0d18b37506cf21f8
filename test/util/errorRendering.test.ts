// Every error class a user may see, rendered the way the CLI prints it: message and hint as
// sentences on one line. New error classes under src/ must add a sample here (the first test says which).
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {describe, test} from "node:test";
import {formatErrorLine} from "../../src/cli/formatErrorLine.js";
import {asSentence, errorSentences} from "../../src/util/errorSentences.js";
import {ExitCode, R1Error} from "../../src/util/R1Error.js";
import {repoRoot} from "../helpers/shared.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyErrorClass = new (...args: any[]) => R1Error;

/** One realistic construction per error class, by class name. */
const SAMPLES: Record<string, (C: AnyErrorClass) => R1Error> = {
    R1Error: (C) => new C("something failed", {hint: "try again"}),
    UnknownVariantError: (C) => new C("deepseek-r1:15b"),
    EmbeddedAmxAbortError: (C) => new C("deepseek2"),
    UnknownQuantError: (C) => new C("15b", ["Q4_K_M", "Q8_0"]),
    ApiError: (C) => new C("invalid_request", "messages must not be empty"),
    GgufError: (C) => new C("io", "cannot read x.gguf", 0),
    GgufInvalidError: (C) => new C(12, "bad-count", "GGUF tensor count at byte 12 is negative"),
    GgufLimitError: (C) => new C(24, "MAX_TENSORS", "tensor count", 10n ** 9n, 65_536),
    GgufMagicError: (C) => new C(new Uint8Array([0x50, 0x4b, 3, 4])),
    GgufUnknownTypeError: (C) => new C(40, "tensor", 99, "tensor blk.0.attn_q.weight"),
    GgufDuplicateError: (C) => new C(80, "key", "general.name"),
    GgufSourceError: (C) => new C("/tmp/x.gguf", "no such file /tmp/x.gguf", {notFound: true}),
    GgufVersionError: (C) => new C(1),
    GgufTruncatedError: (C) => new C(100, 4096, 2048, "tensor data"),
    LlamaServerArgsError: (C) => new C("--cache-type-k", "unknown type q3"),
    BuildPrerequisiteMissingError: (C) => new C("cmake", "install cmake 3.14 or newer from your package manager or cmake.org"),
    LlamaCppBuildError: (C) => new C("cmake --build", "exit code 2", "/root/.r1/logs/build.log"),
    LlamaCppToolMissingError: (C) => new C("llama-server", []),
    LlamaCppToolUnusableError: (C) => new C("/usr/bin/llama-server", "is version 0.3.0, r1 needs 0.4.0"),
    RpcWorkerExposedError: (C) => new C("0.0.0.0"),
    RpcWorkerStartError: (C) => new C("127.0.0.1:50052 is already in use", []),
    InvalidCidrError: (C) => new C("10.0.0.0/33"),
    InvalidClusterError: (C) => new C("2x8xfoo"),
    RpcWorkerUnreachableError: (C) => new C("10.0.0.2:50052", "refused the connection (no r1 worker listens there)"),
    ModelLoadError: (C) => new C("/tmp/x.gguf", "not enough memory"),
    NoFreeSequenceError: (C) => new C(2),
    ContextOverflowError: (C) => new C(5000, 4096),
    UnsupportedOptionError: (C) => new C("--temperature", "must be a number"),
    UnplannableGgufError: (C) => new C("x.gguf", "no block_count"),
    ResultsFileError: (C) => new C("results.jsonl", "already exists", "pass --resume to continue it"),
    DatasetError: (C) => new C("math.jsonl", "not JSON", 3),
    EndpointError: (C) => new C("http://127.0.0.1:11434/v1", "cannot connect"),
    InvalidModelNameError: (C) => new C("/etc/passwd", "model names cannot be paths"),
    ModelNotFoundError: (C) => new C("deepseek-r1:1.5b"),
    PullLockedError: (C) => new C("x.gguf", 123),
    NotAGgufError: (C) => new C("deepseek-r1:7b", "bad magic"),
    DiskFullError: (C) => new C("/root/.r1/models", 5e9, 1e9),
    NetworkError: (C) => new C("https://huggingface.co/x", "ECONNREFUSED"),
    HubFileNotFoundError: (C) => new C("unsloth/X-GGUF", "x.gguf", ["a.gguf", "b.gguf"]),
    HubAuthError: (C) => new C("meta/llama", 401, false),
    DamagedModelError: (C) => new C("deepseek-r1:7b", "size differs"),
    HttpStatusError: (C) => new C(503, "https://huggingface.co/x"),
    ChecksumMismatchError: (C) => new C("x.gguf", "sha256", "abc", "def"),
    QuantizationPlanError: (C) => new C("2 tensors need an importance matrix for IQ2_XXS", "pass --imatrix FILE", ["a", "b"]),
    BadRecipeError: (C) => new C("ud-q9", "unknown recipe"),
    UnsupportedFileTypeError: (C) => new C(99),
    BadTensorLayerError: (C) => new C("blk.99.ffn_up.weight", "layer 99 is past block_count 32"),
    QuantizeInterruptedError: (C) => new C(),
    QuantizeOverwriteError: (C) => new C("x.gguf"),
    UnsupportedTensorTypeError: (C) => new C(99, "quantize"),
    BadBlockLengthError: (C) => new C(12, 100, 256),
    HardwareProbeTimeoutError: (C) => new C(60_000),
    UnknownHardwareProfileError: (C) => new C("tpu"),
    UnsupportedSyntheticTypeError: (C) => new C(99),
    LlamaServerStartError: (C) => new C("/usr/bin/llama-server", "exited with code 1 while loading", ["error: model not found"]),
    LlamaServerExitedError: (C) => new C("llama-server was killed by SIGKILL during the reply; r1 restarts it", {code: null, signal: "SIGKILL"}, []),
    LlamaServerRequestError: (C) => new C("HTTP 500 from /completion", 500),
    SseLimitError: (C) => new C("MAX_SSE_LINE_CHARS", 2_000_000),
    ImatrixFileError: (C) => new C("x.imatrix", "no entries"),
    NonFiniteWeightsError: (C) => new C(),
    ImatrixRunError: (C) => new C("you need at least 1024 tokens for a context of 512 tokens", "give more calibration text or a smaller --ctx-size"),
    ProbeFailedError: (C) => new C("cpu"),
    BenchReevaluationError: (C) => new C(512, 1024),
    UpstreamError: (C) => new C("http://127.0.0.1:8080/v1", "HTTP 502", {status: 502}),
    LocalStoreModelError: (C) => new C("ollama:deepseek-r1:14b", {origin: "ollama", problem: "its weights blob is missing"})
};

function sourceFiles(dir: string): string[] {
    return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(full);
        return /\.tsx?$/.test(entry.name) ? [full] : [];
    });
}

/** Every exported class under src/ that is an R1Error, found by loading the files that declare classes. */
async function errorClasses(): Promise<Map<string, AnyErrorClass>> {
    const found = new Map<string, AnyErrorClass>();
    for (const file of sourceFiles(path.join(repoRoot, "src"))) {
        const names = [...readFileSync(file, "utf8").matchAll(/^export class (\w+) extends \w+/gm)].map((m) => m[1]!);
        if (names.length === 0) continue;
        const module = await import(pathToFileURL(file).href) as Record<string, unknown>;
        for (const name of names) {
            const value = module[name];
            if (typeof value === "function" && (value === R1Error || value.prototype instanceof R1Error)) found.set(name, value as AnyErrorClass);
        }
    }
    return found;
}

const EXIT_CODES = new Set<number>(Object.values(ExitCode));

/** What a reader sees as broken sentences. */
function sentenceProblems(part: string): string[] {
    const problems: string[] = [];
    if (!/[.!?…]$/.test(part)) problems.push("does not end a sentence");
    if (/^[a-z]+\s/.test(part)) problems.push("starts with a lowercase word");
    if (/[,;:]\.$|\.\.$| \.$/.test(part)) problems.push("ends with doubled punctuation");
    if (/[\r\n]/.test(part)) problems.push("is more than one line");
    return problems;
}

describe("error rendering", () => {
    test("every error class under src/ renders its message and hint as sentences on one line", {timeout: 120_000}, async () => {
        const classes = await errorClasses();
        assert.ok(classes.size >= 40, `found ${classes.size} error classes`);
        const missing = [...classes.keys()].filter((name) => SAMPLES[name] === undefined);
        assert.deepEqual(missing, [], "add a sample for these classes to SAMPLES in test/util/errorRendering.test.ts");
        for (const [name, C] of classes) {
            const error = SAMPLES[name]!(C);
            assert.ok(error instanceof C, name);
            const line = formatErrorLine(error, {color: false});
            const {message, hint} = errorSentences(error.message, error.hint);
            assert.equal(line, `r1: ${message}${hint === undefined ? "" : ` ${hint}`}`, name);
            assert.deepEqual(sentenceProblems(message), [], `${name} message: ${message}`);
            if (hint !== undefined) assert.deepEqual(sentenceProblems(hint), [], `${name} hint: ${hint}`);
            assert.equal(hint === undefined, error.hint === undefined, `${name}: a hint is shown exactly when there is one`);
            assert.ok(EXIT_CODES.has(error.exitCode), `${name} exit code ${error.exitCode} is one of ExitCode`);
        }
    });

    test("the issue's example reads as two sentences", () => {
        assert.equal(formatErrorLine({message: "model deepseek-r1:1.5b is not pulled", hint: "run `r1 pull deepseek-r1:1.5b` first"}, {color: false}),
            "r1: Model deepseek-r1:1.5b is not pulled. Run `r1 pull deepseek-r1:1.5b` first.");
    });

    test("colours only when asked", () => {
        const error = {message: "the disk failed", hint: "retry"};
        assert.doesNotMatch(formatErrorLine(error, {color: false}), /\x1b\[/);
        assert.match(formatErrorLine(error, {color: true}), /\x1b\[31mr1:\x1b\[39m The disk failed\. \x1b\[2mRetry\.\x1b\[22m/);
    });
});

describe("asSentence", () => {
    const cases: [string, string][] = [
        ["model x is not pulled", "Model x is not pulled."],
        ["Done.", "Done."],
        ["is it?", "Is it?"],
        ["r1 plans text models", "r1 plans text models."],
        ["llama.cpp failed", "llama.cpp failed."],
        ["`r1 pull x` fetches it", "`r1 pull x` fetches it."],
        ["/tmp/x.gguf is not a GGUF", "/tmp/x.gguf is not a GGUF."],
        ["(the repo has: a.gguf, b.gguf)", "The repo has: a.gguf, b.gguf."],
        ["(a) then (b)", "(a) then (b)."],
        ["  please wait…  ", "Please wait…"],
        ["", ""]
    ];
    for (const [input, expected] of cases) test(JSON.stringify(input), () => assert.equal(asSentence(input), expected));

    test("newlines inside a message become spaces", () => {
        assert.deepEqual(errorSentences("first line\nsecond line", "  "), {message: "First line second line."});
    });
});
