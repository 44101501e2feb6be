import packageJson from '../../package.json' with { type: 'json' };

/** The package version, printed by `rxllm --version`. */
export const CLI_VERSION: string = packageJson.version;
