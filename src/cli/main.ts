import yargs from "yargs";
import {hideBin} from "yargs/helpers";
import {loadCommands} from "./commands/index.js";
import {reportError} from "./reportError.js";
import {ExitCode} from "../util/R1Error.js";

// A closed stdout (`r1 plan | head -2`) ends the command quietly, as it does for other Unix tools,
// instead of an EPIPE stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.ok);
    reportError(error);
});

const argv = hideBin(process.argv);
const cli = yargs(argv)
    .scriptName("r1")
    .usage("$0 <command> [options]\n\nRun the DeepSeek R1 family locally, and know how fast it will be before you download.")
    .strict()
    .strictCommands()
    .demandCommand(1, "Say what to do: `r1 plan` shows what runs on this machine and how fast.")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(120, process.stdout.columns ?? 100))
    .fail((message, error) => {
        // yargs calls this for usage mistakes (message) and for errors thrown by handlers (error).
        if (error !== undefined && error !== null) reportError(error);
        else reportError(message ?? "invalid usage", {usage: true});
    });

for (const command of await loadCommands(argv)) cli.command(command);

try {
    await cli.parseAsync();
} catch (error) {
    reportError(error);
}
