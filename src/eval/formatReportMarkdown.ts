import type {EvalReport, GroupScore} from "./summarizeResults.js";

const BENCHMARK_NAMES: Record<string, string> = {math500: "MATH-500", aime2024: "AIME 2024"};

function percent(value: number): string {
    return `${value.toFixed(1)}%`;
}

function groupTable(title: string, groups: readonly GroupScore[]): string[] {
    if (groups.length === 0) return [];
    return [
        "", `| ${title} | problems | samples | pass@1 |`, "|---|---:|---:|---:|",
        ...groups.map((g) => `| ${g.name} | ${g.problems} | ${g.samples} | ${percent(g.passAt1)} |`)
    ];
}

function escapeCell(text: string): string {
    return text.replace(/\|/g, "\\|");
}

/** The report as Markdown: headline, published score side by side, breakdowns, cost. Pure. */
export function formatReportMarkdown(report: EvalReport): string {
    const benchmark = report.benchmark === undefined ? report.dataset : BENCHMARK_NAMES[report.benchmark] ?? report.benchmark;
    const lines = [
        `## ${escapeCell(benchmark)} pass@1: ${escapeCell(report.model)}`,
        "",
        "| | pass@1 | problems | samples/problem | source |",
        "|---|---:|---:|---:|---|",
        `| this run${report.published?.quant === undefined ? "" : ` (${report.published.quant})`} | **${percent(report.passAt1)}** | ${report.problemsComplete === report.problems ? report.problems : `${report.problemsComplete} of ${report.problems}`} | ${report.samplesPerProblem} | ${escapeCell(report.endpoint)}, T ${report.temperature}, top-p ${report.topP}, max ${report.maxTokens} tokens |`
    ];
    if (report.published !== undefined) {
        const p = report.published;
        lines.push(`| published ${escapeCell(p.variant)} | ${percent(p.score)} | | | ${escapeCell(p.source)} (full-precision weights) |`);
    }
    lines.push("", `${report.correct} of ${report.samples} samples correct` +
        (report.failed > 0 ? `; ${report.failed} failed requests counted as wrong (\`--resume\` retries them)` : "") +
        (report.noAnswer > 0 ? `; ${report.noAnswer} without a final answer` : "") +
        (report.truncated > 0 ? `; ${report.truncated} cut by the token limit` : "") + ".");
    lines.push(...groupTable("subject", report.bySubject), ...groupTable("level", report.byLevel));
    if (report.tokens !== undefined || report.secondsPerSample !== undefined) {
        lines.push("", "| per sample | mean |", "|---|---:|");
        if (report.tokens !== undefined) {
            const note = report.tokens.estimated ? " (split estimated from the stream)" : "";
            lines.push(`| tokens | ${Math.round(report.tokens.completion)} |`,
                `| reasoning tokens${note} | ${Math.round(report.tokens.reasoning)} |`,
                `| answer tokens${note} | ${Math.round(report.tokens.answer)} |`);
        }
        if (report.secondsPerSample !== undefined) lines.push(`| seconds | ${report.secondsPerSample.toFixed(1)} |`);
        if (report.secondsToFirstText !== undefined) lines.push(`| seconds to first token | ${report.secondsToFirstText.toFixed(1)} |`);
    }
    return `${lines.join("\n")}\n`;
}
