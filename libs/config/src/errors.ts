/** Why a configuration value was refused. Codes are stable: tools and tests match on them. */
export type ConfigErrorCode =
  | 'CONFIG_MISSING'
  | 'CONFIG_INVALID'
  | 'CONFIG_CROSS_FIELD'
  | 'CONFIG_FILE_UNREADABLE'
  | 'CONFIG_FILE_INVALID'
  | 'CONFIG_SPEC_INVALID';

/** One refused variable (or a rule spanning several). */
export interface ConfigIssue {
  readonly code: ConfigErrorCode;
  /** The environment variable(s) at fault, as the operator sets them. */
  readonly variables: readonly string[];
  readonly reason: string;
}

/**
 * Thrown once at start-up, listing every refused variable so an operator fixes them in one go
 * rather than one restart per mistake. The message never contains a secret's value.
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    super(
      issues.length === 1 && first
        ? `invalid configuration: ${formatIssue(first)}`
        : `invalid configuration (${issues.length} problems):\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
      options,
    );
    this.name = 'ConfigError';
    this.code = first?.code ?? 'CONFIG_INVALID';
    this.issues = issues;
  }
}

function formatIssue(issue: ConfigIssue): string {
  return `${issue.variables.join(', ')}: ${issue.reason} [${issue.code}]`;
}
