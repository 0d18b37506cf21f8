import type {CommandModule} from "yargs";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

/**
 * Every r1 command by name, in the order `r1 --help` lists them, each loaded on demand: a command
 * pulls in its whole domain (the server, the eval grader, the quantizer…), and compiling all of
 * them on every start would cost `r1 plan` most of its one-second budget.
 */
export const commandLoaders: ReadonlyArray<readonly [name: string, load: () => Promise<AnyCommand>]> = [
    ["plan", async () => (await import("./plan.js")).planCommand],
    ["hw", async () => (await import("./hw.js")).hwCommand],
    ["bench", async () => (await import("./bench.js")).benchCommand],
    ["pull", async () => (await import("./pull.js")).pullCommand],
    ["run", async () => (await import("./run.js")).runCommand],
    ["serve", async () => (await import("./serve.js")).serveCommand],
    ["ls", async () => (await import("./ls.js")).lsCommand],
    ["rm", async () => (await import("./rm.js")).rmCommand],
    ["show", async () => (await import("./show.js")).showCommand],
    ["quantize", async () => (await import("./quantize.js")).quantizeCommand],
    ["imatrix", async () => (await import("./imatrix.js")).imatrixCommand],
    ["inspect", async () => (await import("./inspect.js")).inspectCommand],
    ["eval", async () => (await import("./eval.js")).evalCommand],
    ["engine", async () => (await import("./engine.js")).engineCommand],
    ["doctor", async () => (await import("./doctor.js")).doctorCommand],
    ["worker", async () => (await import("./worker.js")).workerCommand]
];

/**
 * The commands needed to parse `argv`: only the one named when it names one, else all of them
 * (`r1 --help`, a typo that yargs should answer with "did you mean").
 */
export async function loadCommands(argv: readonly string[]): Promise<AnyCommand[]> {
    const named = commandLoaders.find(([name]) => name === argv[0]);
    const loaders = named === undefined ? commandLoaders : [named];
    return Promise.all(loaders.map(([, load]) => load()));
}
