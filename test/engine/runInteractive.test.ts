import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import path from "node:path";
import {repoRoot, skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "./tinyR1Model.js";

// The interactive `r1 run` loop needs a terminal: util-linux's `script` gives it a pseudo-terminal,
// so readline runs in raw mode and Ctrl-C arrives as a keystroke, exactly as a user's terminal sends it.
const hasScript = spawnSync("script", ["--version"]).status === 0;
const skip = skipWithoutShared(R1_VOCAB) || (hasScript ? false : "needs util-linux `script` for a pseudo-terminal");

/** Budget for each expected line; a tiny model answers in well under a second when the machine is quiet. */
const STEP_TIMEOUT_MS = 60_000;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

/** A terminal session: keystrokes in, screen text (escape codes removed) out. */
function terminal(command: string[]) {
    const {UV_THREADPOOL_SIZE: _, ...env} = process.env;
    const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
    const child = spawn("script", ["-qfec", quoted, "/dev/null"], {env: {...env, TERM: "xterm-256color", COLUMNS: "200"}, stdio: ["pipe", "pipe", "pipe"]});
    let raw = "";
    let screen = "";
    let read = 0;
    const waiters: (() => void)[] = [];
    const onData = (chunk: Buffer) => {
        raw += chunk.toString("utf8");
        screen = raw.replace(ANSI, "");
        for (const wake of waiters.splice(0)) wake();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => {
        for (const wake of waiters.splice(0)) wake();
        resolve(code);
    }));
    return {
        type: (keys: string) => child.stdin.write(keys),
        /** Waits until `pattern` appears after what earlier calls consumed; returns the text up to and including it. */
        async expect(pattern: RegExp): Promise<string> {
            const deadline = Date.now() + STEP_TIMEOUT_MS;
            for (;;) {
                const match = pattern.exec(screen.slice(read));
                if (match !== null) {
                    const text = screen.slice(read, read + match.index + match[0].length);
                    read += match.index + match[0].length;
                    return text;
                }
                if (child.exitCode !== null || Date.now() > deadline) throw new Error(`expected ${pattern} on the screen; after the last match it shows:\n${screen.slice(read)}`);
                await new Promise<void>((resolve) => {
                    const timer = setTimeout(resolve, 250);
                    waiters.push(() => {
                        clearTimeout(timer);
                        resolve();
                    });
                });
            }
        },
        /** Everything shown so far, escape codes included. */
        raw: () => raw,
        exited,
        kill: () => child.kill("SIGKILL")
    };
}

/**
 * What a terminal shows for `raw` output: lines after carriage returns, erase-line and cursor
 * moves are applied (enough of ECMA-48 for readline and r1's output), colours dropped.
 */
export function terminalScreen(raw: string): string[] {
    const lines: string[][] = [[]];
    let row = 0;
    let col = 0;
    const line = () => (lines[row] ??= []);
    for (let i = 0; i < raw.length; i++) {
        const ch = raw[i]!;
        if (ch === "\x1b" && raw[i + 1] === "[") {
            const match = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i));
            if (match === null) continue;
            i += match[0].length - 1;
            const n = Number(match[1]?.split(";")[0] || "0");
            const command = match[2];
            if (command === "K") {
                if (n === 2) lines[row] = [];
                else if (n === 0) line().length = Math.min(line().length, col);
            } else if (command === "G") col = Math.max(0, n - 1);
            else if (command === "C") col += Math.max(1, n);
            else if (command === "D") col = Math.max(0, col - Math.max(1, n));
            else if (command === "A") row = Math.max(0, row - Math.max(1, n));
            else if (command === "B") row += Math.max(1, n);
            else if (command === "J" && n === 0) {
                line().length = Math.min(line().length, col);
                lines.length = row + 1;
            }
            continue;
        }
        if (ch === "\r") col = 0;
        else if (ch === "\n") {
            row++;
            col = 0;
        } else if (ch >= " ") {
            const current = line();
            while (current.length < col) current.push(" ");
            current[col++] = ch;
        }
    }
    return lines.map((l) => (l ?? []).join("").trimEnd());
}

const PROMPT = /^>>> $/m;
const STATS = /prompt \d+ tok at [\d.–]+ tok\/s · generation [\d.–]+ tok\/s · reasoning \d+ tok · answer \d+ tok · first answer token [^\n]*\n/;

test("interactive r1 run: streams a reply with a stats line, Ctrl-C stops the reply not the program, /set /stats /clear /bye", {skip, timeout: 240_000}, async () => {
    const model = await writeTinyR1Model();
    // Random weights almost never emit the end-of-sequence token, so with 8,192 tokens of context
    // the first reply is still running when Ctrl-C arrives.
    const session = terminal([process.execPath, path.join(repoRoot, "bin/r1.js"), "run", model.path, "-t", "1", "-c", "8192", "--seed", "7"]);
    try {
        const banner = await session.expect(PROMPT);
        assert.match(banner, /context 8192 · \/set temperature 0\.5 · \/set ctx 16384 · \/clear · \/stats · \/bye/);

        // Ctrl-C at an idle prompt says how to leave and keeps the session.
        session.type("\x03");
        await session.expect(/\(\/bye or Ctrl-D to leave\)/);
        await session.expect(PROMPT);

        session.type("/stats\r");
        await session.expect(/no reply yet/);
        await session.expect(PROMPT);

        session.type("/set temperature 0.5\r");
        await session.expect(/temperature 0\.5\n/);
        await session.expect(PROMPT);

        // A long reply: wait until it streams, then interrupt it.
        session.type("Tell me a long story.\r");
        await session.expect(/Tell me a long story\.\n./);
        // What the reply had written when Ctrl-C arrived must stay on the screen: the prompt is drawn
        // after the reply ends, not over its last line.
        await session.expect(/\S{3}/);
        const shownBefore = terminalScreen(session.raw()).filter((l) => l.trim() !== "").at(-1)!;
        session.type("\x03");
        const stopped = await session.expect(STATS);
        assert.match(stopped, /stopped: abort/);
        await session.expect(PROMPT);
        const screenAfter = terminalScreen(session.raw());
        assert.ok(screenAfter.some((l) => l.startsWith(shownBefore)), `the reply's last line ${JSON.stringify(shownBefore)} is still shown:\n${screenAfter.slice(-8).join("\n")}`);
        assert.doesNotMatch(screenAfter.slice(0, -1).filter((l) => l.startsWith(">>> ")).at(-1) ?? "", /^>>> (?!Tell me|\/)/, "no prompt drawn into the reply");
        // The reply opened inside <think>: its reasoning is streamed dimmed (SGR 2), apart from the answer.
        assert.match(session.raw().slice(session.raw().indexOf("Tell me a long story.")), /\x1b\[2m[^\x1b]+/);

        session.type("/stats\r");
        const stats = await session.expect(STATS);
        assert.match(stats, /stopped: abort/);
        await session.expect(PROMPT);

        // Settings that do not exist or do not fit the model are refused, in one line each.
        session.type("/set foo 3\r");
        await session.expect(/There is no setting foo\. Use \/set temperature 0\.5 or \/set ctx 8192\./);
        await session.expect(PROMPT);
        session.type("/set temperature abc\r");
        await session.expect(/\/set temperature needs a number/);
        await session.expect(PROMPT);
        session.type("/set ctx 99999999\r");
        await session.expect(/The context 99999999 is (past the \d+ tokens this model was trained on|over r1.s limit)/);
        await session.expect(PROMPT);

        session.type("/clear\r");
        await session.expect(/conversation cleared/);
        await session.expect(PROMPT);

        // A small context reloads the model; the next reply then ends when the context is full.
        session.type("/set ctx 256\r");
        await session.expect(/context 256 tokens/);
        await session.expect(PROMPT);
        session.type("Hi\r");
        const second = await session.expect(STATS);
        assert.doesNotMatch(second, /stopped: abort/);
        assert.match(second, /generation \d+\.\d tok\/s/);
        await session.expect(PROMPT);

        session.type("/bye\r");
        assert.equal(await session.exited, 0);
    } finally {
        session.kill();
        model.cleanup();
    }
});
