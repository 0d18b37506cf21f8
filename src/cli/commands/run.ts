import type {CommandModule} from "yargs";
import {R1Error} from "../../util/R1Error.js";

// Placeholder until its issue lands: says so plainly instead of pretending.
export const runCommand: CommandModule = {
    command: "run",
    describe: "(not built yet)",
    handler: () => {
        throw new R1Error("`r1 run` is not built yet in this version.");
    }
};
