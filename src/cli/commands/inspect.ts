import path from "node:path";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {
    GgufError, GgufValueType, ggmlTypeTraits, ggufModelInfo, readGguf, type GgufFile, type GgufMetadataEntry, type GgufModelInfo
} from "../../gguf/index.js";
import {R1Error} from "../../util/R1Error.js";
import {formatBytes} from "../../util/formatBytes.js";

interface InspectArgs {
    file: string;
    tensors: boolean;
    metadata: boolean;
    json: boolean;
    full: boolean;
}

/** Array elements shown before `…` unless `--full`. */
const ARRAY_PREVIEW = 8;
/** String characters shown before `…` unless `--full`. */
const STRING_PREVIEW = 120;

export const inspectCommand: CommandModule<object, InspectArgs> = {
    command: "inspect <file>",
    describe: "summarize any GGUF file, local or by URL (only the header is read)",
    builder: (yargs) => (yargs as Argv<object>)
        .positional("file", {type: "string", demandOption: true, describe: "path or http(s) URL of a .gguf file (any part of a split model), or a model by the name `r1 ls --all` shows"})
        .option("tensors", {type: "boolean", default: false, describe: "list every tensor with shape, type and bytes"})
        .option("metadata", {type: "boolean", default: false, describe: "list every metadata key (long arrays and strings abbreviated)"})
        .option("full", {type: "boolean", default: false, describe: "with --metadata or --json: do not abbreviate arrays and strings"})
        .option("json", {type: "boolean", default: false, describe: "print everything as JSON"})
        .example("$0 inspect model.gguf --tensors", "")
        .example("$0 inspect https://huggingface.co/…/resolve/main/model.gguf", "reads the header with Range requests") as unknown as Argv<InspectArgs>,
    handler: async (args) => {
        // A model another program keeps is inspected in place by its prefixed name (`r1 ls --all`).
        if (/^(?:ollama|lmstudio|llamacpp|hf):/.test(args.file)) {
            const {resolveModel} = await import("../../store/resolveModelPath.js");
            args.file = (await resolveModel(args.file)).path;
        }
        let file: GgufFile;
        try {
            file = await readGguf(args.file);
        } catch (error) {
            // GGUF errors describe the problem; say which file it is about.
            if (error instanceof GgufError && !error.message.includes(args.file))
                throw new R1Error(`${args.file}: ${error.message}`, {exitCode: error.exitCode, hint: error.hint, cause: error});
            throw error;
        }
        const info = ggufModelInfo(file);
        if (args.json) {
            process.stdout.write(`${JSON.stringify(inspectJson(args.file, file, info, args.full), jsonReplacer, 2)}\n`);
            return;
        }
        process.stdout.write(formatSummary(args.file, file, info));
        if (args.metadata) process.stdout.write(`\n${formatMetadata(file, args.full)}`);
        if (args.tensors) process.stdout.write(`\n${formatTensors(file)}`);
    }
};

/** The default human-readable summary. */
export function formatSummary(source: string, file: GgufFile, info: GgufModelInfo): string {
    const rows: [string, string][] = [
        ["architecture", info.architecture ?? "unknown"],
        ["name", info.name ?? "-"],
        ["parameters", `${formatCount(info.parameterCount)} (${info.parameterCount.toLocaleString("en-US")})`],
        ["context length", info.contextLength?.toLocaleString("en-US") ?? "-"],
        ["layers", `${info.blockCount ?? "-"}, embedding ${info.embeddingLength ?? "-"}, heads ${info.headCount ?? "-"}, kv heads ${info.headCountKv ?? "-"}`]
    ];
    if (info.expertCount !== undefined)
        rows.push(["experts", `${info.expertCount}, ${info.expertUsedCount ?? "?"} used per token${info.expertSharedCount ? `, ${info.expertSharedCount} shared` : ""}`]);
    if (info.ropeFreqBase !== undefined || info.ropeScalingType !== undefined)
        rows.push(["rope", `base ${info.ropeFreqBase ?? "-"}${info.ropeScalingType ? `, scaling ${info.ropeScalingType} ×${info.ropeScalingFactor ?? "?"}` : ""}`]);
    rows.push(
        ["tokenizer", `${info.tokenizerModel ?? "none"}${info.tokenizerPre ? ` (${info.tokenizerPre})` : ""}, ${info.vocabSize === undefined ? "unknown" : `${info.vocabSize.toLocaleString("en-US")}-token`} vocabulary`],
        ["chat template", info.chatTemplate === undefined ? "none" : `present (${info.chatTemplate.length.toLocaleString("en-US")} chars)`],
        ["file type", info.fileType === undefined ? "not set" : `${info.fileTypeName ?? "unknown"} (${info.fileType})`],
        ["size", `${formatBytes(info.fileSize)}${file.parts.length > 1 ? ` in ${file.parts.length} parts` : ""}, GGUF v${file.version}`],
        ["bits per weight", info.bitsPerWeight.toFixed(2)],
        ["tensors", `${info.tensorCount} tensors, ${formatBytes(info.tensorBytes)}`]
    );
    const width = Math.max(...rows.map(([k]) => k.length));
    const lines = [pc.bold(path.basename(source.replace(/[?#].*$/, ""))), ...rows.map(([k, v]) => `  ${pc.dim(k.padEnd(width))}  ${v}`)];
    const typeWidth = Math.max(4, ...info.byType.map((t) => t.type.length));
    for (const t of info.byType) {
        const share = info.tensorBytes === 0 ? 0 : t.bytes / info.tensorBytes * 100;
        lines.push(`    ${t.type.padEnd(typeWidth)}  ${String(t.tensors).padStart(5)} tensors  ${formatBytes(t.bytes).padStart(10)}  ${share.toFixed(1).padStart(5)}%`);
    }
    return `${lines.join("\n")}\n`;
}

/** Every tensor: name, shape (ne order), type, bytes, part when split. */
export function formatTensors(file: GgufFile): string {
    const nameWidth = Math.max(4, ...file.tensors.map((t) => t.name.length));
    const shapes = file.tensors.map((t) => `[${t.shape.join(", ")}]`);
    const shapeWidth = Math.max(5, ...shapes.map((s) => s.length));
    const split = file.parts.length > 1;
    const lines = [pc.dim(`${"name".padEnd(nameWidth)}  ${"shape".padEnd(shapeWidth)}  ${"type".padEnd(7)}  ${"bytes".padStart(12)}${split ? "  part" : ""}`)];
    file.tensors.forEach((t, i) => {
        const type = ggmlTypeTraits(t.type)?.name ?? String(t.type);
        lines.push(`${t.name.padEnd(nameWidth)}  ${shapes[i]!.padEnd(shapeWidth)}  ${type.padEnd(7)}  ${t.byteSize.toLocaleString("en-US").padStart(12)}${split ? `  ${t.part + 1}` : ""}`);
    });
    return `${lines.join("\n")}\n`;
}

/** Every metadata key with its type and value. */
export function formatMetadata(file: GgufFile, full = false): string {
    const entries = file.metadata.entries();
    const width = Math.max(...entries.map((e) => e.key.length), 3);
    return `${entries.map((e) => `${e.key.padEnd(width)}  ${pc.dim(typeName(e).padEnd(16))}  ${formatValue(e, full)}`).join("\n")}\n`;
}

function typeName(entry: GgufMetadataEntry): string {
    const name = (t: GgufValueType) => GgufValueType[t].toLowerCase();
    return entry.type === GgufValueType.ARRAY ? `${name(entry.arrayType ?? GgufValueType.UINT8)}[${(entry.value as ArrayLike<unknown>).length}]` : name(entry.type);
}

function formatValue(entry: GgufMetadataEntry, full: boolean): string {
    const f32 = (entry.arrayType ?? entry.type) === GgufValueType.FLOAT32;
    // float32 values widen to long doubles (1e-5 → 0.000009999999747…); 7 digits round-trip a float32.
    const one = (v: unknown) => typeof v === "string" ? quote(v, full) : f32 && typeof v === "number" ? String(Number(v.toPrecision(7))) : String(v);
    if (entry.type !== GgufValueType.ARRAY) return one(entry.value);
    const values = entry.value as ArrayLike<unknown>;
    const shown = head(values, full ? values.length : ARRAY_PREVIEW);
    return `[${shown.map(one).join(", ")}${shown.length < values.length ? `, … ${values.length - shown.length} more` : ""}]`;
}

function quote(s: string, full: boolean): string {
    const json = JSON.stringify(full || s.length <= STRING_PREVIEW ? s : s.slice(0, STRING_PREVIEW));
    return full || s.length <= STRING_PREVIEW ? json : `${json}… (${s.length.toLocaleString("en-US")} chars)`;
}

/** Everything, machine-readable. 64-bit integers become strings; arrays are abbreviated unless `full`. */
export function inspectJson(source: string, file: GgufFile, info: GgufModelInfo, full = false): unknown {
    const metadata: Record<string, unknown> = {};
    for (const e of file.metadata.entries()) {
        if (e.type !== GgufValueType.ARRAY) {
            metadata[e.key] = {type: GgufValueType[e.type], value: e.value};
            continue;
        }
        const values = e.value as ArrayLike<unknown>;
        metadata[e.key] = full || values.length <= ARRAY_PREVIEW
            ? {type: "ARRAY", arrayType: GgufValueType[e.arrayType ?? 0], value: head(values, values.length)}
            : {type: "ARRAY", arrayType: GgufValueType[e.arrayType ?? 0], length: values.length, head: head(values, ARRAY_PREVIEW)};
    }
    return {
        source,
        version: file.version,
        fileSize: file.fileSize,
        alignment: file.alignment,
        dataOffset: file.dataOffset,
        parts: file.parts.map((p) => ({source: p.source, fileSize: p.fileSize, dataOffset: p.dataOffset, tensorCount: p.tensorCount})),
        summary: {...info, chatTemplate: undefined, hasChatTemplate: info.chatTemplate !== undefined},
        metadata,
        tensors: file.tensors.map((t) => ({
            name: t.name, shape: t.shape, type: ggmlTypeTraits(t.type)?.name ?? t.type, byteSize: t.byteSize, elements: t.elements,
            offset: t.offset, part: t.part, fileOffset: t.fileOffset
        }))
    };
}

/** The first `n` elements of an array or typed array as a plain array, without copying the rest. */
function head(values: ArrayLike<unknown>, n: number): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < Math.min(n, values.length); i++) out.push(values[i]);
    return out;
}

function jsonReplacer(_key: string, value: unknown): unknown {
    return typeof value === "bigint" ? value.toString() : value;
}

function formatCount(n: number): string {
    if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
    if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
    if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
    return String(n);
}

