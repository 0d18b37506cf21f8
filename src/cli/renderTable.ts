import pc from "picocolors";

export interface TableColumn {
    header: string;
    /** `right` for figures. Defaults to `left`. */
    align?: "left" | "right";
    /**
     * When the table is wider than the terminal, columns with the highest `dropOrder` go first;
     * columns without one are never dropped (the table is stacked instead).
     */
    dropOrder?: number;
}

export interface RenderTableOptions {
    /** Terminal width. Defaults to `process.stdout.columns` on a terminal, unlimited in a pipe. */
    width?: number;
    /** ANSI colours (header bold, cells' own colours kept). Defaults to a colour terminal on stdout. */
    color?: boolean;
}

/** Spaces between columns. */
const GAP = 2;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Width of `text` as a terminal shows it (colour codes take no room). */
export function visibleWidth(text: string): number {
    return [...text.replace(ANSI, "")].length;
}

function pad(text: string, width: number, align: "left" | "right"): string {
    const fill = " ".repeat(Math.max(0, width - visibleWidth(text)));
    return align === "right" ? fill + text : text + fill;
}

/**
 * The one table layout of every r1 command: columns separated by two spaces, sized to their
 * content. When wider than the terminal, optional columns are dropped (`dropOrder`), and if the
 * rest still does not fit each row is stacked as `header: value` lines. Colour only on a colour
 * terminal: in a pipe, codes the cells carry are removed too. Pure apart from the defaults.
 */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], options: RenderTableOptions = {}): string {
    const color = options.color ?? (process.stdout.isTTY === true && pc.isColorSupported);
    const width = options.width ?? (process.stdout.isTTY === true ? process.stdout.columns ?? 80 : Number.POSITIVE_INFINITY);
    const c = pc.createColors(color);
    const cells = rows.map((row) => columns.map((_, i) => {
        const cell = (row[i] ?? "").replace(/\s*\n\s*/g, " ");
        return color ? cell : cell.replace(ANSI, "");
    }));
    const widthOf = (i: number) => Math.max(visibleWidth(columns[i]!.header), ...cells.map((row) => visibleWidth(row[i]!)));
    let shown = columns.map((_, i) => i);
    const total = () => shown.reduce((sum, i) => sum + widthOf(i), 0) + GAP * Math.max(0, shown.length - 1);
    const droppable = columns.map((column, i) => ({i, order: column.dropOrder})).filter((d) => d.order !== undefined).sort((a, b) => b.order! - a.order!);
    for (const {i} of droppable) {
        if (total() <= width) break;
        shown = shown.filter((j) => j !== i);
    }
    if (total() <= width) {
        const line = (values: string[], header: boolean) => shown.map((i, k) => {
            const text = header ? c.bold(values[i]!) : values[i]!;
            return k === shown.length - 1 && (columns[i]!.align ?? "left") === "left" ? text : pad(text, widthOf(i), columns[i]!.align ?? "left");
        }).join(" ".repeat(GAP)).trimEnd();
        return [line(columns.map((column) => column.header), true), ...cells.map((row) => line(row, false))].join("\n");
    }
    // Stacked: every column of every row, one per line, rows apart.
    const label = Math.max(...columns.map((column) => visibleWidth(column.header)));
    return cells.map((row) => columns.map((column, i) => `${c.bold(pad(column.header, label, "left"))}  ${row[i]}`).join("\n")).join("\n\n");
}
