import type {Argv, CommandModule} from "yargs";
import {pullWithProgress} from "../pullWithProgress.js";

export {formatPullBar} from "../pullWithProgress.js";

interface PullArgs {
    name: string;
    json: boolean;
    revision?: string;
}

export const pullCommand: CommandModule<object, PullArgs> = {
    command: "pull <name>",
    describe: "download a model (resumes, verifies sha256); catalog names, hf:OWNER/REPO/FILE.gguf",
    builder: (yargs) => (yargs as Argv<object>)
        .positional("name", {type: "string", demandOption: true, describe: "deepseek-r1:14b, deepseek-r1-distill-qwen-14b:q6_k or hf:OWNER/REPO/FILE.gguf"})
        .option("json", {type: "boolean", default: false, describe: "print progress as JSON lines on stdout"})
        .option("revision", {type: "string", describe: "hub branch, tag or commit (default main)"})
        .example("$0 pull deepseek-r1:14b", "R1-Distill-Qwen-14B at Q4_K_M")
        .example("$0 pull hf:unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF/DeepSeek-R1-Distill-Qwen-7B-Q8_0.gguf", "any GGUF on the hub")
        .epilog("Files go to $R1_HOME/models (default ~/.r1). HF_TOKEN is sent for gated repos; HF_ENDPOINT selects a mirror. "
            + "An interrupted pull resumes where it stopped.") as unknown as Argv<PullArgs>,
    handler: async (args) => {
        await pullWithProgress(args.name, {json: args.json, ...(args.revision === undefined ? {} : {revision: args.revision})});
    }
};
