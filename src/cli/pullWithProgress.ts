import cliProgress from "cli-progress";
import pc from "picocolors";
import {etaSeconds, formatBytes, formatDuration, pullIter, type PullEvent} from "../store/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";

/** Width of the bar itself, in characters. */
const BAR_SIZE = 30;

/** The bar's one line: file, bar, percentage, bytes, rate and ETA. */
export function formatPullBar(payload: {file: string, done: number, total: number, rate: number}, bar: string): string {
    const percent = payload.total > 0 ? Math.floor(payload.done * 100 / payload.total) : 0;
    const eta = formatDuration(etaSeconds(payload.done, payload.total, payload.rate));
    const file = payload.file.length > 40 ? `…${payload.file.slice(-39)}` : payload.file;
    return `${file} ${bar} ${String(percent).padStart(3)}% ${formatBytes(payload.done)}/${formatBytes(payload.total)} ${formatBytes(payload.rate)}/s ETA ${eta}`;
}

function barFormatter(options: cliProgress.Options, params: cliProgress.Params, payload: {file: string, rate: number}): string {
    const filled = Math.round(params.progress * BAR_SIZE);
    const bar = `${(options.barCompleteString ?? "█").slice(0, filled)}${(options.barIncompleteString ?? "░").slice(0, BAR_SIZE - filled)}`;
    return formatPullBar({file: payload.file, done: params.value, total: params.total, rate: payload.rate}, bar);
}

export interface PullWithProgressOptions {
    /** Progress as JSON lines on stdout instead of the bar on stderr. Defaults to `false`. */
    json?: boolean;
    /** Hub branch, tag or commit. Defaults to `main`. */
    revision?: string;
}

/**
 * Pulls `name` the way `r1 pull` shows it: a progress bar on stderr (a line every few seconds
 * without a terminal), or JSON lines on stdout; Ctrl-C interrupts with a resumable partial file.
 * `r1 pull` and the pull that `r1 run` offers for a missing model both use it.
 */
export async function pullWithProgress(name: string, options: PullWithProgressOptions = {}): Promise<void> {
    const args = {name, json: options.json ?? false, revision: options.revision};
    const controller = new AbortController();
    const onSigint = () => controller.abort(new R1Error("interrupted", {exitCode: ExitCode.interrupted}));
    process.once("SIGINT", onSigint);
    const tty = process.stderr.isTTY === true;
    const bar = new cliProgress.SingleBar({
        format: barFormatter, stream: process.stderr, hideCursor: tty, clearOnComplete: false, barsize: BAR_SIZE,
        // Without a terminal (logs, CI, tests) the bar is printed as a line every few seconds.
        noTTYOutput: true, notTTYSchedule: 2000, fps: 10
    }, cliProgress.Presets.shades_classic);
    let barStarted = false;
    const say = (line: string) => {
        if (args.json) return;
        if (barStarted && tty) bar.stop();
        process.stderr.write(`${line}\n`);
        if (barStarted && tty) barStarted = false;
    };
    const emit = (event: PullEvent | {type: "error", message: string, exitCode: number}) => {
        if (args.json) process.stdout.write(`${JSON.stringify(event)}\n`);
    };
    let totalBytes = 0;
    let current = 0;
    try {
        for await (const event of pullIter(args.name, {signal: controller.signal, revision: args.revision, progressIntervalMs: args.json ? 500 : 100})) {
            emit(event);
            switch (event.type) {
                case "resolved":
                    totalBytes = event.totalBytes;
                    say(`pulling ${pc.bold(event.name)}${event.source === event.name ? "" : ` from ${event.source}`}${event.files.length > 1 ? ` (${event.files.length} parts)` : ""}, `
                        + `${formatBytes(event.totalBytes)}${event.revision === undefined ? "" : ` at ${event.revision.slice(0, 10)}`}`);
                    break;
                case "file-start":
                    if (event.resumeFrom > 0) say(`resuming ${event.file} at ${formatBytes(event.resumeFrom)} of ${formatBytes(event.size)}`);
                    if (!args.json && !barStarted) {
                        bar.start(totalBytes, current, {file: event.file, rate: 0});
                        barStarted = true;
                    }
                    break;
                case "rehash":
                    say(pc.dim(`re-reading the ${formatBytes(event.bytes)} already downloaded to continue its sha256`));
                    break;
                case "progress":
                    current = event.completedBytes;
                    if (!args.json) {
                        if (!barStarted) {
                            bar.start(totalBytes, current, {file: event.file, rate: event.bytesPerSecond});
                            barStarted = true;
                        }
                        bar.update(current, {file: event.file, rate: event.bytesPerSecond});
                    }
                    break;
                case "retry":
                    say(pc.yellow(`${event.file}: ${event.reason}; retrying in ${formatDuration(event.delayMs / 1000)} (attempt ${event.attempt})`));
                    break;
                case "restart":
                    say(pc.yellow(`${event.file}: ${event.reason}; starting it again from the first byte`));
                    break;
                case "file-done":
                    if (event.skipped) say(pc.dim(`${event.file} already downloaded and verified`));
                    break;
                case "done":
                    if (barStarted) {
                        bar.update(totalBytes);
                        bar.stop();
                        barStarted = false;
                    }
                    if (event.alreadyPulled) say(`${pc.bold(event.name)} is up to date (${formatBytes(event.manifest.size)})`);
                    else say(`${pc.green("pulled")} ${pc.bold(event.name)} → ${event.path} (sha256 ${event.manifest.sha256.slice(0, 12)}… verified)`);
                    break;
                default:
                    break;
            }
        }
    } catch (error) {
        if (barStarted) bar.stop();
        const failure = controller.signal.aborted
            ? new R1Error(`pull of ${args.name} interrupted`, {exitCode: ExitCode.interrupted, hint: `run \`r1 pull ${args.name}\` again to resume`})
            : error;
        if (args.json) {
            const message = failure instanceof Error ? failure.message : String(failure);
            emit({type: "error", message, exitCode: failure instanceof R1Error ? failure.exitCode : ExitCode.failure});
        }
        throw failure;
    } finally {
        process.removeListener("SIGINT", onSigint);
    }
}
