import {planCommand} from "./plan.js";
import {hwCommand} from "./hw.js";
import {benchCommand} from "./bench.js";
import {pullCommand} from "./pull.js";
import {runCommand} from "./run.js";
import {serveCommand} from "./serve.js";
import {lsCommand} from "./ls.js";
import {rmCommand} from "./rm.js";
import {showCommand} from "./show.js";
import {quantizeCommand} from "./quantize.js";
import {inspectCommand} from "./inspect.js";
import {evalCommand} from "./eval.js";
import type {CommandModule} from "yargs";

/** Every r1 command, in the order `r1 --help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
    planCommand,
    hwCommand,
    benchCommand,
    pullCommand,
    runCommand,
    serveCommand,
    lsCommand,
    rmCommand,
    showCommand,
    quantizeCommand,
    inspectCommand,
    evalCommand
];
