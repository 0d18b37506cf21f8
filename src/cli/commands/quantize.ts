import type {CommandModule} from "yargs";
import {R1Error} from "../../util/R1Error.js";

// Placeholder until its issue lands: says so plainly instead of pretending.
export const quantizeCommand: CommandModule = {
    command: "quantize",
    describe: "(not built yet)",
    handler: () => {
        throw new R1Error("`r1 quantize` is not built yet in this version.");
    }
};
