import type {CommandModule} from "yargs";
import {R1Error} from "../../util/R1Error.js";

// Placeholder until its issue lands: says so plainly instead of pretending.
export const hwCommand: CommandModule = {
    command: "hw",
    describe: "(not built yet)",
    handler: () => {
        throw new R1Error("`r1 hw` is not built yet in this version.");
    }
};
