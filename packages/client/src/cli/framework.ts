/**
 * The `strata` command framework: a registry of commands (each with its options, arguments and
 * help), global options shared by every command, one output contract and the exit codes
 * (docs/adr/0060-strata-command.md).
 *
 * Output contract: a command returns a result; with `--json` the framework writes exactly one
 * JSON document (the result's `json`) to stdout, otherwise the result's human text. Notes and
 * progress go to stderr, and never in `--json` mode. A failure is a `CliError` (or a problem
 * the client raised): with `--json` stderr gets one problem+json document, otherwise one line
 * `strata <command>: <message>`; stdout gets nothing; the process exits non-zero.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { FetchLike } from '../transport';
import type { Services } from './services';

/** Exit codes (stable; scripts depend on them). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The server refused the request (a problem), or something failed unexpectedly. */
  failed: 1,
  /** Bad command line, bad local input or a missing credential: nothing was sent. */
  usage: 2,
  /** The answer is "no": `ready` false, a policy blocks, `migrate --check` found pending migrations. */
  negative: 3,
  /** Bytes did not match their SHA-256 (a download, a resumed upload). */
  integrity: 4,
  /** The server could not be reached (connection refused, DNS, timeout). */
  unreachable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the command reports: message for people, problem fields for `--json`. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly problem: Record<string, unknown>;
  constructor(message: string, opts: { exitCode?: number; error?: string; hint?: string; problem?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? EXIT.failed;
    this.problem = {
      title: message,
      error: opts.error ?? (this.exitCode === EXIT.usage ? 'usage' : 'failed'),
      ...(opts.hint ? { hint: opts.hint } : {}),
      ...opts.problem,
    };
  }
}

/** A bad command line or local input (exit 2). */
export const usageError = (message: string, hint?: string) => new CliError(message, { exitCode: EXIT.usage, error: 'usage', hint });

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** May be given more than once (collected into an array). */
  readonly multiple?: boolean;
  /** The value's placeholder in help (`<versionId>`). */
  readonly value?: string;
  readonly description: string;
}

export interface ArgSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Takes every remaining positional. */
  readonly variadic?: boolean;
}

/** What a command hands back; the framework prints it (JSON or human). */
export interface CommandResult {
  /** The one JSON document `--json` prints. */
  readonly json: unknown;
  /** Human output (stdout); defaults to the JSON, indented. */
  readonly human?: string | (() => string);
  /** Exit code (default 0); e.g. EXIT.negative when the answer is "no". */
  readonly exitCode?: number;
}

export interface CommandSpec {
  /** The word on the command line (`publish`, `dev-chain`, `mine`). */
  readonly name: string;
  /** One line, shown in command lists. */
  readonly summary: string;
  /** Paragraph(s) for `--help`. */
  readonly description?: string;
  readonly args?: readonly ArgSpec[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly examples?: readonly string[];
  /** A group (`policy`, `dev-chain`): the next word picks one of these. */
  readonly subcommands?: readonly CommandSpec[];
  readonly run?: (ctx: CommandContext) => Promise<CommandResult>;
}

/** Identity function that types a command spec (one place to hang documentation). */
export const defineCommand = (spec: CommandSpec): CommandSpec => spec;

/** Where a command reads and writes: the real process, or a test's buffers. */
export interface Io {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM (long-running commands stop cleanly). */
  readonly signal?: AbortSignal;
  /** How requests are sent (default the global fetch; tests may bind an in-process app). */
  readonly fetch?: FetchLike;
}

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', value: '<url>', description: 'Strata server (default $STRATA_URL, else http://127.0.0.1:8787)' },
  json: { type: 'boolean', description: 'one JSON document on stdout; errors as problem+json on stderr; no progress' },
  'admin-token': { type: 'string', value: '<token>', description: 'admin token (default $STRATA_ADMIN_TOKEN, $ADMIN_TOKEN, or .strata/tokens.json on a local server)' },
  'ingest-token': { type: 'string', value: '<token>', description: 'ingest token (default $STRATA_INGEST_TOKEN, $INGEST_TOKEN, or .strata/tokens.json on a local server)' },
  'key-file': { type: 'string', value: '<file>', description: 'identity key file, hex or WIF (default $STRATA_IDENTITY_KEY, or .strata/identity.key made on first use against a local server)' },
  home: { type: 'string', value: '<dir>', description: 'local state directory (default $STRATA_HOME, else ./.strata): tokens, identity key, resumable uploads' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress bars or notes on stderr' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};

export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** Everything a command's `run` gets; `services` is filled by main (client, credentials, progress). */
export interface CommandContext {
  /** The command path, e.g. ['policy', 'create']. */
  readonly path: readonly string[];
  /** Positionals, by `args` name (a variadic arg is an array). */
  readonly args: Readonly<Record<string, string | string[] | undefined>>;
  readonly options: OptionValues;
  readonly json: boolean;
  readonly io: Io;
  /** Server, credentials, keys, the client and progress bars (services.ts). */
  readonly services: Services;
  /** A status line on stderr (human mode only, unless --quiet). */
  note(line: string): void;
  /** Option value helpers that throw a usage error when malformed. */
  str(name: string): string | undefined;
  strs(name: string): string[];
  bool(name: string): boolean;
  int(name: string, bounds?: { min?: number; max?: number }): number | undefined;
}

interface Resolved {
  readonly spec: CommandSpec;
  readonly path: string[];
  /** argv without the command words. */
  readonly rest: string[];
}

const globalValueFlags = new Set(
  Object.entries(GLOBAL_OPTIONS).flatMap(([name, o]) => (o.type === 'string' ? [`--${name}`, ...(o.short ? [`-${o.short}`] : [])] : [])),
);

/** Finds the command words (skipping global options and their values) in argv. */
export function resolveCommand(root: readonly CommandSpec[], argv: readonly string[]): Resolved | { readonly unknown: string; readonly path: string[]; readonly group?: CommandSpec } | null {
  const rest: string[] = [];
  const path: string[] = [];
  let level: readonly CommandSpec[] | undefined = root;
  let spec: CommandSpec | undefined;
  let group: CommandSpec | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('-')) {
      rest.push(a);
      if (globalValueFlags.has(a) && i + 1 < argv.length) rest.push(argv[++i]!);
      continue;
    }
    if (level) {
      const next: CommandSpec | undefined = level.find((c) => c.name === a);
      if (!next) return { unknown: a, path, ...(group ? { group } : {}) };
      path.push(a);
      spec = next;
      if (next.subcommands) {
        group = next;
        level = next.subcommands;
      } else level = undefined;
      continue;
    }
    rest.push(a);
  }
  if (!spec) return null;
  return { spec, path, rest };
}

/** Parses a command's argv (global options included) strictly. */
export function parseCommandArgs(spec: CommandSpec, rest: readonly string[]): { options: OptionValues; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries({ ...GLOBAL_OPTIONS, ...spec.options })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
    return { options: values as OptionValues, positionals };
  } catch (e) {
    throw usageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), 'strata <command> --help lists the options');
  }
}

/** Maps positionals onto the spec's args; too many or too few is a usage error. */
export function bindArgs(spec: CommandSpec, positionals: readonly string[]): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  const args = spec.args ?? [];
  let i = 0;
  for (const a of args) {
    if (a.variadic) {
      out[a.name] = positionals.slice(i);
      if (a.required && positionals.length <= i) throw usageError(`missing <${a.name}>`);
      i = positionals.length;
      continue;
    }
    const v = positionals[i++];
    if (v === undefined && a.required) throw usageError(`missing <${a.name}>`);
    out[a.name] = v;
  }
  if (positionals.length > i) throw usageError(`unexpected argument ${JSON.stringify(positionals[i])}`);
  return out;
}

const wrap = (text: string, width: number, indent: string): string => {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent.length) {
      lines.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
};

function optionRows(options: Readonly<Record<string, OptionSpec>>): Array<[string, string]> {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}${o.multiple ? ' …' : ''}`;
    return [flag, o.description];
  });
}

function table(rows: ReadonlyArray<[string, string]>, width: number): string {
  const left = Math.min(34, Math.max(...rows.map(([l]) => l.length), 0) + 2);
  return rows
    .map(([l, r]) => {
      const body = wrap(r, width, ' '.repeat(left + 2)).trimStart();
      return l.length + 2 > left ? `  ${l}\n${' '.repeat(left + 2)}${body}` : `  ${l.padEnd(left)}${body}`;
    })
    .join('\n');
}

/** `--help` text of a command (or of the whole tool when `spec` is undefined). */
export function helpText(root: readonly CommandSpec[], path: readonly string[], spec?: CommandSpec, width = 100): string {
  const w = Math.max(60, Math.min(width, 110));
  const parts: string[] = [];
  if (!spec) {
    parts.push('strata — publish, prove, inspect and buy data on a Strata server', '', 'Usage: strata <command> [options]', '', 'Commands:');
    parts.push(table(root.map((c) => [c.name, c.summary]), w));
    parts.push('', 'Global options:', table(optionRows(GLOBAL_OPTIONS), w));
    parts.push('', 'Run `strata <command> --help` for a command’s options. Exit codes: 0 done, 1 refused or failed, 2 usage,', '3 the answer is no (not ready, blocked, pending), 4 SHA-256 mismatch, 5 server unreachable.');
    return `${parts.join('\n')}\n`;
  }
  const name = `strata ${path.join(' ')}`;
  const argsText = (spec.args ?? []).map((a) => (a.required ? `<${a.name}>${a.variadic ? '…' : ''}` : `[${a.name}]${a.variadic ? '…' : ''}`)).join(' ');
  parts.push(`${name} — ${spec.summary}`, '');
  if (spec.subcommands) parts.push(`Usage: ${name} <${spec.subcommands.map((s) => s.name).join('|')}> [options]`);
  else parts.push(`Usage: ${name}${argsText ? ` ${argsText}` : ''} [options]`);
  if (spec.description) parts.push('', wrap(spec.description, w, ''));
  if (spec.subcommands) parts.push('', 'Commands:', table(spec.subcommands.map((c) => [c.name, c.summary]), w));
  if (spec.args?.length) parts.push('', 'Arguments:', table(spec.args.map((a) => [a.name, a.description]), w));
  if (spec.options && Object.keys(spec.options).length) parts.push('', 'Options:', table(optionRows(spec.options), w));
  parts.push('', 'Global options:', table(optionRows(GLOBAL_OPTIONS), w));
  if (spec.examples?.length) parts.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${parts.join('\n')}\n`;
}

/** Builds the option helpers of a context. */
export function optionHelpers(options: OptionValues): Pick<CommandContext, 'str' | 'strs' | 'bool' | 'int'> {
  return {
    str: (name) => {
      const v = options[name];
      return typeof v === 'string' ? v : undefined;
    },
    strs: (name) => {
      const v = options[name];
      return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
    },
    bool: (name) => options[name] === true,
    int: (name, bounds = {}) => {
      const v = options[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw usageError(`--${name} must be an integer`);
      const n = Number(v);
      if (!Number.isSafeInteger(n) || (bounds.min !== undefined && n < bounds.min) || (bounds.max !== undefined && n > bounds.max)) {
        throw usageError(`--${name} must be an integer${bounds.min !== undefined ? ` ≥ ${bounds.min}` : ''}${bounds.max !== undefined ? ` ≤ ${bounds.max}` : ''}`);
      }
      return n;
    },
  };
}
