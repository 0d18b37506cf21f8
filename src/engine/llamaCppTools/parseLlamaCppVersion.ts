/** What a llama.cpp program's `--version` says about itself. */
export interface LlamaCppVersion {
    /** The version as printed: `0.4.0-dev` for releases with a version, else the build number. */
    readonly version: string;
    /** `0.4.0` from `0.4.0-dev`; absent for build-number-only versions. */
    readonly base?: string;
    readonly build?: number;
    readonly commit?: string;
}

/**
 * Parses `--version` output. Current llama.cpp prints `version: 0.4.0-dev (build 1, commit 80fb11a)`;
 * older builds print `version: 4404 (b8ec0a0)`. Returns `undefined` for anything else.
 */
export function parseLlamaCppVersion(output: string): LlamaCppVersion | undefined {
    const current = /^version: (\d+\.\d+\.\d+)(\S*) \(build (\d+), commit (\w+)\)/m.exec(output);
    if (current !== null)
        return {version: `${current[1]}${current[2]}`, base: current[1]!, build: Number(current[3]), commit: current[4]!};
    const old = /^version: (\d+) \((\w+)\)/m.exec(output);
    if (old !== null) return {version: old[1]!, build: Number(old[1]), commit: old[2]!};
    return undefined;
}

/** `true` when `version` is the release `release` (`v0.4.0`) that the embedded engine runs. */
export function isCompatibleVersion(version: LlamaCppVersion, release: string): boolean {
    return version.base !== undefined && `v${version.base}` === release;
}

/** One line for a version: `0.4.0-dev (build 1, commit 80fb11a)`. */
export function formatLlamaCppVersion(version: LlamaCppVersion): string {
    if (version.base === undefined) return `b${version.version}${version.commit === undefined ? "" : ` (${version.commit})`}`;
    return `${version.version} (build ${version.build}, commit ${version.commit})`;
}
