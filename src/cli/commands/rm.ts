import type {Argv, CommandModule} from "yargs";
import {findStoredModelName, formatBytes, ModelStore} from "../../store/index.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";

interface RmArgs {
    names: string[];
}

export const rmCommand: CommandModule<object, RmArgs> = {
    command: "rm <names..>",
    describe: "delete pulled models, and the leftovers of unfinished pulls",
    builder: (yargs) => (yargs as Argv<object>)
        .positional("names", {type: "string", array: true, demandOption: true, describe: "model names as `r1 ls` shows them (aliases work)"}) as unknown as Argv<RmArgs>,
    handler: async (args) => {
        const store = new ModelStore();
        // Check every name first, so a typo in the second does not leave the first half-done.
        const found: string[] = [];
        for (const input of args.names) {
            const name = await findStoredModelName(store, input);
            if (name === undefined)
                throw new R1Error(`${input} is not in r1's store`, {exitCode: ExitCode.notFound,
                    hint: "`r1 ls` lists what r1 can remove; models of other programs (`r1 ls --all`) are theirs to remove"});
            found.push(name);
        }
        for (const name of found) {
            const {freedBytes} = await store.remove(name);
            process.stdout.write(`deleted ${name} (${formatBytes(freedBytes)} freed)\n`);
        }
    }
};
