/**
 * Whether text generated under a JSON grammar is a whole value: it parses, and cannot grow (a
 * number is only whole once something follows it).
 */
export function isCompleteJson(text: string): boolean {
    const trimmed = text.trimEnd();
    if (trimmed === "") return false;
    try {
        JSON.parse(trimmed);
    } catch {
        return false;
    }
    return /[}\]"el]$/.test(trimmed) || trimmed !== text;
}
