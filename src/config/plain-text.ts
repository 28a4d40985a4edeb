/**
 * Names Tollgate keeps and shows (teams, users, projects, key names, budget scopes, outcomes' run,
 * project, team and agent) are plain text: a control character (NUL, an escape, a line break, C1)
 * would be invisible or rewrite a terminal line in `tollgate` tables, break CSV and log lines, and
 * make two names that look alike. One rule for the admin API, the CLI and the config file.
 */
const CONTROL = /\p{Cc}/u;

export const CONTROL_CHARS_MESSAGE = 'must not contain control characters (NUL, tab, line breaks, escapes...)';

export function isPlainText(s: string): boolean {
  return !CONTROL.test(s);
}
