import yargs, {type Argv} from "yargs";
import type {AnyCommand} from "./commands/index.js";

/**
 * The `r1` parser for `argv` with `commands`: strict (unknown flags and commands are refused),
 * one-dash llama.cpp spellings per command, help and version. `fail` gets yargs' usage messages
 * (`message`) and errors thrown while parsing or by a handler (`error`); the CLI reports and exits,
 * tests throw. Shared by bin/r1.js and the in-process parser tests.
 */
export function createCli(argv: readonly string[], commands: readonly AnyCommand[], fail: (message: string | undefined, error: Error | undefined) => void): Argv {
    const cli = yargs([...argv])
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
        .fail((message, error) => fail(message ?? undefined, error ?? undefined));
    for (const command of commands) cli.command(command);
    return cli;
}
