/** One metric family in Prometheus' text exposition format. */
export interface MetricFamily {
    name: string;
    help: string;
    type: "counter" | "gauge" | "histogram";
    samples: MetricSample[];
}

export interface MetricSample {
    /** Appended to the family name (`_bucket`, `_sum`, `_count`); empty for plain samples. */
    suffix?: string;
    labels?: Record<string, string>;
    value: number;
}

/** Renders metric families as Prometheus text format 0.0.4. */
export function formatPrometheus(families: MetricFamily[]): string {
    const lines: string[] = [];
    for (const family of families) {
        lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
        lines.push(`# TYPE ${family.name} ${family.type}`);
        for (const sample of family.samples)
            lines.push(`${family.name}${sample.suffix ?? ""}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
    return lines.join("\n") + "\n";
}

function formatLabels(labels: Record<string, string> | undefined): string {
    if (labels === undefined) return "";
    const entries = Object.entries(labels);
    if (entries.length === 0) return "";
    const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n");
    return `{${entries.map(([key, value]) => `${key}="${escape(value)}"`).join(",")}}`;
}

function formatValue(value: number): string {
    if (Number.isNaN(value)) return "NaN";
    if (value === Infinity) return "+Inf";
    if (value === -Infinity) return "-Inf";
    return String(value);
}
