import Table from "cli-table3";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {formatBytes, ModelStore, type StoredModel} from "../../store/index.js";

interface LsArgs {
    json: boolean;
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

function sizeColumn(model: StoredModel): string {
    if (model.status !== "partial") return formatBytes(model.size ?? model.sizeOnDisk);
    return model.size === undefined || model.size === 0
        ? `${formatBytes(model.sizeOnDisk)} so far`
        : `${formatBytes(model.sizeOnDisk)} of ${formatBytes(model.size)}`;
}

export const lsCommand: CommandModule<object, LsArgs> = {
    command: "ls",
    describe: "list pulled models (and unfinished pulls)",
    builder: (yargs) => (yargs as Argv<object>)
        .option("json", {type: "boolean", default: false, describe: "print the list as JSON"}) as unknown as Argv<LsArgs>,
    handler: async (args) => {
        const store = new ModelStore();
        const models = await store.list();
        if (args.json) {
            process.stdout.write(`${JSON.stringify(models.map((model) => lsJson(model)), null, 2)}\n`);
            return;
        }
        if (models.length === 0) {
            process.stdout.write(`no models in ${store.modelsDir} yet; \`r1 pull deepseek-r1:7b\` fetches one (\`r1 plan\` says which fits)\n`);
            return;
        }
        const table = new Table({
            head: ["NAME", "QUANT", "SIZE", "MODIFIED", "STATUS"],
            chars: {top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
                left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "  "},
            style: {head: [], border: [], "padding-left": 0, "padding-right": 0}
        });
        for (const model of models) {
            const status = model.status === "complete" ? "ok"
                : model.status === "partial" && model.pullingPid !== undefined ? pc.cyan(`pulling now (pid ${model.pullingPid})`)
                : model.status === "partial" ? pc.yellow("partial: `r1 pull` resumes")
                : pc.red(`damaged: ${model.problem ?? "?"}`);
            table.push([model.name, model.quant ?? "-", sizeColumn(model), formatAge(model.modified), status]);
        }
        process.stdout.write(`${table.toString()}\n`);
    }
};
