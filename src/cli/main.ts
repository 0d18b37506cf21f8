import {hideBin} from "yargs/helpers";
import {loadCommands} from "./commands/index.js";
import {createCli} from "./createCli.js";
import {reportError} from "./reportError.js";
import {ExitCode} from "../util/R1Error.js";

// A closed stdout (`r1 plan | head -2`) ends the command quietly, as it does for other Unix tools,
// instead of an EPIPE stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.ok);
    reportError(error);
});

const argv = hideBin(process.argv);
const cli = createCli(argv, await loadCommands(argv), (message, error) => {
    // yargs calls this for usage mistakes (message) and for errors thrown by handlers (error).
    if (error !== undefined) reportError(error);
    else reportError(message ?? "invalid usage", {usage: true});
});

try {
    await cli.parseAsync();
} catch (error) {
    // Also what the shared options' checks throw while parsing (src/cli/options), before any handler runs.
    reportError(error);
}
