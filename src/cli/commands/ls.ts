import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {renderTable} from "../renderTable.js";
import {findLocalStoreModels, formatBytes, ModelStore, type LocalStoreModel, type StoredModel} from "../../store/index.js";

interface LsArgs {
    json: boolean;
    all: boolean;
}

/** How long ago, in the coarsest unit that is not zero: `3 minutes ago`, `2 days ago`. */
export function formatAge(date: Date, now = new Date()): string {
    const seconds = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
    const units: [number, string][] = [[86400 * 365, "year"], [86400 * 30, "month"], [86400 * 7, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];
    for (const [size, name] of units) {
        const count = Math.floor(seconds / size);
        if (count >= 1) return `${count} ${name}${count === 1 ? "" : "s"} ago`;
    }
    return "just now";
}

/** One row of `r1 ls --json`. */
export function lsJson(model: StoredModel) {
    return {
        name: model.name, status: model.status, quant: model.quant ?? null, size: model.size ?? null, sizeOnDisk: model.sizeOnDisk,
        modified: model.modified.toISOString(), dir: model.dir, sha256: model.manifest?.sha256 ?? null, source: model.manifest?.source ?? model.pending?.source ?? null,
        files: model.manifest?.files.length ?? model.pending?.files.length ?? null, ...(model.problem === undefined ? {} : {problem: model.problem}),
        ...(model.pullingPid === undefined ? {} : {pullingPid: model.pullingPid})
    };
}

/** One row of `r1 ls --all --json` for a model in another program's store. */
export function localStoreJson(model: LocalStoreModel) {
    return {
        name: model.name, origin: model.origin, status: model.status, quant: model.quant ?? null, size: model.size,
        modified: model.modified.toISOString(), path: model.path, files: model.files.length, parts: model.parts ?? 1,
        ...(model.problem === undefined ? {} : {problem: model.problem})
    };
}

function localStoreStatus(model: LocalStoreModel): string {
    if (model.status === "ok") return model.parts === undefined ? "ok" : `ok (${model.parts} split parts)`;
    return model.status === "incomplete" ? pc.yellow(`incomplete: ${model.problem ?? "?"}`) : pc.red(model.problem ?? "not a GGUF file");
}

function sizeColumn(model: StoredModel): string {
    if (model.status !== "partial") return formatBytes(model.size ?? model.sizeOnDisk);
    return model.size === undefined || model.size === 0
        ? `${formatBytes(model.sizeOnDisk)} so far`
        : `${formatBytes(model.sizeOnDisk)} of ${formatBytes(model.size)}`;
}

export const lsCommand: CommandModule<object, LsArgs> = {
    command: "ls",
    describe: "list pulled models (and unfinished pulls); --all adds the models of Ollama, LM Studio and the Hugging Face and llama.cpp caches",
    builder: (yargs) => (yargs as Argv<object>)
        .option("all", {alias: "a", type: "boolean", default: false,
            describe: "also list the GGUF models other programs keep on this machine (read-only; run them by the listed name)"})
        .option("json", {type: "boolean", default: false, describe: "print the list as JSON"}) as unknown as Argv<LsArgs>,
    handler: async (args) => {
        const store = new ModelStore();
        const models = await store.list();
        const local = args.all ? await findLocalStoreModels() : [];
        if (args.json) {
            const rows = [...models.map((model) => ({...lsJson(model), origin: "r1"})), ...local.map((model) => localStoreJson(model))];
            process.stdout.write(`${JSON.stringify(args.all ? rows : models.map((model) => lsJson(model)), null, 2)}\n`);
            return;
        }
        if (args.all) {
            printAll(models, local);
            return;
        }
        if (models.length === 0) {
            process.stdout.write(`no models in ${store.modelsDir} yet; \`r1 pull deepseek-r1:7b\` fetches one (\`r1 plan\` says which fits)\n`);
            return;
        }
        const rows: string[][] = [];
        for (const model of models) {
            const status = model.status === "complete" ? "ok"
                : model.status === "partial" && model.pullingPid !== undefined ? pc.cyan(`pulling now (pid ${model.pullingPid})`)
                : model.status === "partial" ? pc.yellow("partial: `r1 pull` resumes")
                : pc.red(`damaged: ${model.problem ?? "?"}`);
            rows.push([model.name, model.quant ?? "-", sizeColumn(model), formatAge(model.modified), status]);
        }
        process.stdout.write(`${renderTable([{header: "NAME"}, {header: "QUANT", dropOrder: 2}, {header: "SIZE", align: "right"}, {header: "MODIFIED", dropOrder: 1}, {header: "STATUS"}], rows)}\n`);
    }
};

/** `r1 ls --all`: r1's own models, then the other stores', with where each came from. */
function printAll(models: StoredModel[], local: LocalStoreModel[]): void {
    if (models.length === 0 && local.length === 0) {
        process.stdout.write("no models in r1's store, Ollama, LM Studio, or the Hugging Face and llama.cpp caches; `r1 pull deepseek-r1:7b` fetches one\n");
        return;
    }
    const rows: string[][] = [];
    for (const model of models) {
        const status = model.status === "complete" ? "ok" : model.status === "partial" ? pc.yellow("partial: `r1 pull` resumes") : pc.red(`damaged: ${model.problem ?? "?"}`);
        rows.push([model.name, "r1", model.quant ?? "-", sizeColumn(model), formatAge(model.modified), status]);
    }
    for (const model of local) rows.push([model.name, model.origin, model.quant ?? "-", formatBytes(model.size), formatAge(model.modified), localStoreStatus(model)]);
    process.stdout.write(`${renderTable([{header: "NAME"}, {header: "ORIGIN"}, {header: "QUANT", dropOrder: 2}, {header: "SIZE", align: "right"},
        {header: "MODIFIED", dropOrder: 1}, {header: "STATUS"}], rows)}\n`);
    if (local.length > 0) process.stdout.write(pc.dim("other programs' files are used in place, read-only: `r1 run NAME` with the name shown\n"));
}
