/**
 * `strata` — the entry: finds the command, parses its options, runs it and applies the output
 * contract and exit codes (framework.ts, docs/adr/0060-strata-command.md). `main` takes argv and
 * an Io so tests can run it in-process with captured output; bin/strata.mjs runs it for real.
 */
import { COMMANDS } from './commands/index';
import { bindArgs, CliError, EXIT, helpText, optionHelpers, parseCommandArgs, resolveCommand, usageError, type CommandContext, type CommandSpec, type Io } from './framework';
import { makeServices } from './services';
import { toCliError } from './errors';

const writeJson = (stream: Io['stdout'], value: unknown) => stream.write(`${JSON.stringify(value, null, 2)}\n`);

function report(io: Io, json: boolean, path: readonly string[], e: CliError): number {
  if (json) writeJson(io.stderr, { ...e.problem, title: e.problem.title ?? e.message, exitCode: e.exitCode });
  else {
    const hint = typeof e.problem.hint === 'string' ? ` (${e.problem.hint})` : '';
    const code = typeof e.problem.error === 'string' && !['usage', 'failed'].includes(e.problem.error) ? ` [${e.problem.error}]` : '';
    io.stderr.write(`strata${path.length ? ` ${path.join(' ')}` : ''}: ${e.message}${code}${hint}\n`);
    const issues = e.problem.issues;
    if (Array.isArray(issues)) for (const i of issues.slice(0, 20) as Array<{ path?: string; message?: string }>) io.stderr.write(`  ${i.path ?? ''}: ${i.message ?? ''}\n`);
  }
  return e.exitCode;
}

/** Runs the command line `argv` (without `node strata`); resolves with the exit code. */
export async function main(argvIn: readonly string[], io: Io, commands: readonly CommandSpec[] = COMMANDS): Promise<number> {
  // `strata help <command…>` is `strata <command…> --help`
  const argv = argvIn[0] === 'help' ? [...argvIn.slice(1), '--help'] : argvIn;
  const json = argv.includes('--json');
  const width = io.stdout.columns ?? 100;
  let path: string[] = [];
  try {
    const found = resolveCommand(commands, argv);
    if (found === null) {
      if (argv.includes('--version')) {
        io.stdout.write(`${VERSION}\n`);
        return EXIT.ok;
      }
      const wantsHelp = argv.includes('--help') || argv.includes('-h');
      if (!wantsHelp) {
        const stray = argv.find((a) => !a.startsWith('-'));
        if (argv.length > 0 && stray === undefined) parseCommandArgs({ name: '', summary: '' }, argv); // reports unknown options
        io.stderr.write(helpText(commands, []));
        return EXIT.usage;
      }
      io.stdout.write(helpText(commands, [], undefined, width));
      return EXIT.ok;
    }
    if ('unknown' in found) {
      path = found.path;
      const level = found.group?.subcommands ?? commands;
      const near = level.filter((c) => c.name.startsWith(found.unknown.slice(0, 2))).map((c) => c.name);
      throw usageError(`unknown command ${JSON.stringify(found.unknown)}`, near.length ? `did you mean ${near.join(' or ')}?` : `one of: ${level.map((c) => c.name).join(', ')}`);
    }
    path = found.path;
    const { spec } = found;
    const { options, positionals } = parseCommandArgs(spec, found.rest);
    if (options.help === true || !spec.run) {
      const text = helpText(commands, path, spec, width);
      if (options.help === true) {
        io.stdout.write(text);
        return EXIT.ok;
      }
      io.stderr.write(text);
      return EXIT.usage;
    }
    const args = bindArgs(spec, positionals);
    const quiet = options.quiet === true;
    const services = makeServices(options, io, { json, quiet });
    const ctx: CommandContext = { path, args, options, json, io, services, note: services.note, ...optionHelpers(options) };
    const result = await spec.run(ctx);
    if (json) writeJson(io.stdout, result.json ?? null);
    else {
      const human = typeof result.human === 'function' ? result.human() : result.human;
      if (human === undefined) writeJson(io.stdout, result.json ?? null);
      else if (human !== '') io.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
    }
    return result.exitCode ?? EXIT.ok;
  } catch (e) {
    return report(io, json, path, toCliError(e));
  }
}

export const VERSION = '0.1.0';

/** The real process: stdio, environment, cwd, Ctrl-C. */
export async function runProcess(): Promise<void> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.exitCode = code;
}
