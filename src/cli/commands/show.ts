import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {GgufError, ggufModelInfo, readGguf} from "../../gguf/index.js";
import {formatBytes, resolveModel, type ModelManifest} from "../../store/index.js";
import {R1Error} from "../../util/R1Error.js";
import {formatSummary, inspectJson} from "./inspect.js";

interface ShowArgs {
    name: string;
    json: boolean;
}

/** The manifest as aligned `key  value` lines. */
export function formatManifest(manifest: ModelManifest, dir: string): string {
    const rows: [string, string][] = [
        ["name", manifest.name],
        ["source", manifest.source],
        ["revision", manifest.revision ?? "-"],
        ["quant", manifest.quant ?? "-"],
        ["catalog id", manifest.catalogId ?? "-"],
        ["size", `${formatBytes(manifest.size)}${manifest.files.length > 1 ? ` in ${manifest.files.length} files` : ""}`],
        ["pulled at", manifest.pulledAt],
        ["folder", dir]
    ];
    const lines = rows.map(([key, value]) => `  ${key.padEnd(12)}${value}`);
    for (const file of manifest.files)
        lines.push(`  ${"file".padEnd(12)}${file.name}  ${formatBytes(file.size)}  sha256 ${file.sha256}${file.verified ? "" : pc.yellow(" (not published by the hub, unverified)")}`);
    return `${lines.join("\n")}\n`;
}

export const showCommand: CommandModule<object, ShowArgs> = {
    command: "show <name>",
    describe: "show a pulled model: where it came from, its checksums and a GGUF summary",
    builder: (yargs) => (yargs as Argv<object>)
        .positional("name", {type: "string", demandOption: true, describe: "a pulled model's name (aliases work) or a path to a .gguf"})
        .option("json", {type: "boolean", default: false, describe: "print manifest and summary as JSON"}) as unknown as Argv<ShowArgs>,
    handler: async (args) => {
        const model = await resolveModel(args.name);
        let file;
        try {
            file = await readGguf(model.path);
        } catch (error) {
            if (error instanceof GgufError) throw new R1Error(`${model.path}: ${error.message}`, {exitCode: error.exitCode, hint: error.hint, cause: error});
            throw error;
        }
        const info = ggufModelInfo(file);
        if (args.json) {
            process.stdout.write(`${JSON.stringify({manifest: model.manifest ?? null, path: model.path, gguf: inspectJson(model.path, file, info)},
                (_key, value: unknown) => typeof value === "bigint" ? value.toString() : value, 2)}\n`);
            return;
        }
        if (model.manifest !== undefined) process.stdout.write(`${pc.bold("model")}\n${formatManifest(model.manifest, model.files[0] === undefined ? "" : model.files[0].replace(/[/\\][^/\\]*$/, ""))}\n`);
        process.stdout.write(formatSummary(model.path, file, info));
    }
};
