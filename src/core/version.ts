/** The one version string of certwarden: `--version`, the reports' `tool.version`, SARIF drivers and evidence manifests. */
export const TOOL_VERSION = '0.1.0';
