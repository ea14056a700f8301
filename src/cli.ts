import { readFileSync, writeSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import type { AwsSession } from './aws/session.js';
import type { CommandContext, GlobalOptions } from './commands/context.js';
import { EvsrcError, ExitCode, PartialApplyError, UsageError } from './core/errors.js';
import type { InterruptController } from './core/interrupt.js';
import { processIo, terminalWidth, useColor, type Io, type StreamHooks } from './render/io.js';
import type { SourceType, TypeSpec } from './sources/contract.js';
import { completeWith } from './completion/hints.js';

// Start-up reads this file, commander and what help needs, nothing more: what only a command needs
// (the checks of the global options, the reporter, the interrupt flag, chalk, the registry of types)
// is imported when a command runs, each its own chunk of the bundle.

/** Commander's collector for repeatable flags. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Test seams: a faster sleep for polls and retries. */
export interface MainOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Told when commander prints help or the version (the only things it writes to stdout). */
  onHelp?: () => void;
  /**
   * Installs what turns SIGINT/SIGTERM into the run's interrupt flag; called just before writes start,
   * the returned function just after they end. run() installs signal handlers; in-process callers may not.
   */
  guardWrites?: (interrupt: InterruptController) => () => void;
  /**
   * Help and the version only (dist/help.cjs, a build of the command line without the commands' code):
   * main returns RUN_FULL, having written nothing, when the command line asks for more than help.
   */
  helpOnly?: boolean;
}

/** What main returns under helpOnly when the command line asks for more than help or the version. */
export const RUN_FULL = -1;

const SDK_WARNING_ENV = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function globalsOf(command: Command): Promise<GlobalOptions> {
  const [{ parseEndpointUrl, parseRegion }, { parseTimeoutSeconds }] = await Promise.all([import('./core/url.js'), import('./aws/network.js')]);
  const o = command.optsWithGlobals() as Record<string, unknown>;
  const globals: GlobalOptions = {
    output: o.json ? 'json' : ((o.output as GlobalOptions['output'] | undefined) ?? 'text'),
    dryRun: Boolean(o.dryRun),
    yes: Boolean(o.yes),
    wait: o.wait !== false,
    color: o.color !== false,
    verbose: Boolean(o.verbose || o.debug),
  };
  if (globals.output === 'yaml' && command.name() !== 'export') {
    const path: string[] = [];
    for (let c: Command | null = command; c?.parent; c = c.parent) path.unshift(c.name());
    throw new UsageError(`--output: invalid value "yaml" for ${path.join(' ')}; allowed: text, json (yaml is for export)`);
  }
  if (typeof o.region === 'string') {
    globals.region = parseRegion('--region', o.region);
  }
  if (typeof o.profile === 'string') globals.profile = o.profile;
  if (typeof o.endpointUrl === 'string') globals.endpointUrl = parseEndpointUrl('--endpoint-url', o.endpointUrl);
  globals.connectTimeoutMs = parseTimeoutSeconds('--cli-connect-timeout', o.cliConnectTimeout as string | undefined);
  globals.readTimeoutMs = parseTimeoutSeconds('--cli-read-timeout', o.cliReadTimeout as string | undefined);
  return globals;
}

/** Checks an endpoint URL (--endpoint-url, AWS_ENDPOINT_URL): an absolute http(s) URL with a host. */
async function makeContext(io: Io, globals: GlobalOptions, options: MainOptions): Promise<CommandContext> {
  // chalk is loaded only when a command runs: --help and --version never need it.
  const [{ Chalk }, { ConsoleReporter, loadSpinner }, { InterruptController }, { parseEndpointUrl, parseRegion }] = await Promise.all([
    import('chalk'),
    import('./render/reporter.js'),
    import('./core/interrupt.js'),
    import('./core/url.js'),
  ]);
  const stderrColor = useColor(io.stderr, io.env, globals.color);
  const chalk = new Chalk({ level: stderrColor ? 1 : 0 });
  const outChalk = new Chalk({ level: useColor(io.stdout, io.env, globals.color) ? 1 : 0 });
  // On Node 20 the SDK warns that its releases from 2027 on need Node 22. evsrc ships the SDK inside its
  // bundle, so that is news for evsrc's maintainers, not its users: never shown, --verbose included
  // (unless the variable is set, which the SDK then reads as it is).
  if (process.env[SDK_WARNING_ENV] === undefined) process.env[SDK_WARNING_ENV] = 'true';
  const reporter = new ConsoleReporter({
    stderr: io.stderr,
    chalk,
    verbose: globals.verbose,
    progress: true,
    spinner: await loadSpinner(io.stderr, io.env, stderrColor),
  });
  const envEndpoint = io.env.AWS_ENDPOINT_URL ? parseEndpointUrl('AWS_ENDPOINT_URL', io.env.AWS_ENDPOINT_URL) : undefined;
  // A region from the environment is checked like --region, naming the variable it came from.
  const envRegion = io.env.AWS_REGION
    ? parseRegion('AWS_REGION', io.env.AWS_REGION)
    : io.env.AWS_DEFAULT_REGION
      ? parseRegion('AWS_DEFAULT_REGION', io.env.AWS_DEFAULT_REGION)
      : undefined;
  const { AwsSession: Session } = await import('./aws/session.js');
  let session: AwsSession | undefined;
  const interrupt = new InterruptController();
  return {
    closeSession: async () => session?.close(),
    io,
    globals,
    chalk: outChalk,
    reporter,
    session: () => {
      session ??= new Session({
        region: globals.region ?? envRegion,
        profile: globals.profile,
        endpointUrl: globals.endpointUrl ?? envEndpoint,
        verbose: globals.verbose,
        log: (line) => reporter.emit({ type: 'debug', message: line }),
        note: (line) => reporter.emit({ type: 'info', message: line }),
        connectTimeoutMs: globals.connectTimeoutMs,
        readTimeoutMs: globals.readTimeoutMs,
        env: io.env,
      });
      return session;
    },
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    interrupt,
    guardWrites: () => options.guardWrites?.(interrupt) ?? (() => {}),
  };
}

/** What the parsed command line asks for: the command, and how to run it once its context exists. */
interface Invocation {
  command: Command;
  execute: (ctx: CommandContext) => Promise<number>;
}

/** What the program needs from the registry of trigger types: their specs and the flags of `remove`. */
interface Registry {
  types: readonly TypeSpec[];
  removeFlags: { option: { flags: string; description: string; repeatable?: boolean; hidden?: boolean; values?: readonly string[] }; types: string[] }[];
  /** The codes `list --fail-on` takes, for completion only (loaded when completing). */
  findingCodes?: readonly string[];
}

/**
 * The source of `add <type>`: the positional argument, or the flag the type's spec names as standing in for
 * it (`add kafka --bootstrap-servers <servers>`), taken out of the flags. Neither, or both, is exit 2.
 */
export function sourceOf(spec: TypeSpec['spec'], positional: string | undefined, raw: Record<string, unknown>): string {
  const flag = spec.sourceFlag;
  if (!flag) return positional ?? '';
  const name = /^--([a-z0-9-]+)/.exec(flag.flags)?.[1] ?? '';
  const key = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const value = raw[key];
  delete raw[key];
  const forms = `evsrc add ${spec.type} ${spec.argument} ... or evsrc add ${spec.type} --${name} ${spec.argument} ...`;
  if (positional !== undefined && value !== undefined) {
    throw new UsageError(`add ${spec.type}: ${spec.argument} and --${name} name the same thing: give one (${forms})`);
  }
  const source = positional ?? (typeof value === 'string' ? value : undefined);
  if (source === undefined || source.trim() === '') throw new UsageError(`add ${spec.type}: missing the source ${spec.argument}: ${forms}`);
  return source;
}

const CONNECTION = ['--region', '--profile', '--endpoint-url', '--cli-connect-timeout', '--cli-read-timeout'];
const OUTPUT = ['--output', '--json', '--no-color', '--verbose', '--debug'];
/** The global options each command acts on, by its name under `evsrc` (an `add <type>` is `add`). */
const HONOURED: Readonly<Record<string, readonly string[]>> = {
  add: [...CONNECTION, ...OUTPUT, '--dry-run', '--no-wait'],
  remove: [...CONNECTION, ...OUTPUT, '--dry-run', '--yes', '--no-wait'],
  apply: [...CONNECTION, ...OUTPUT, '--dry-run', '--yes', '--no-wait'],
  list: [...CONNECTION, ...OUTPUT],
  export: [...CONNECTION, ...OUTPUT],
  diff: [...CONNECTION, ...OUTPUT],
};

/** The root's options that a subcommand's --help lists: those its command acts on, in the root's order. */
function globalOptionsOf(cmd: Command): Option[] {
  let top = cmd;
  while (top.parent?.parent) top = top.parent;
  const honoured = HONOURED[top.name()] ?? [];
  const root = top.parent;
  return root ? root.options.filter((o) => !o.hidden && o.long !== undefined && honoured.includes(o.long)) : [];
}

function buildProgram(io: Io, registry: Registry, argv: readonly string[], dispatch: (invocation: Invocation) => void, onHelp?: () => void): Command {
  const adapters = registry.types;
  const typeList = adapters.map((a) => a.spec.type).join(', ');
  const program = new Command('evsrc');
  program
    .description('Wire AWS event sources (SQS, DynamoDB Streams, Kinesis, Kafka (Amazon MSK and self-managed), Amazon MQ, DocumentDB, S3, SNS, EventBridge, CloudWatch Logs) to existing Lambda functions.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--region <region>', "AWS region (default: AWS_REGION or the profile's region)")
    .option('--profile <profile>', 'AWS shared config profile')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (LocalStack, moto)')
    .addOption(new Option('--output <format>', 'output format (yaml: export only)').choices(['text', 'json', 'yaml']).default('text'))
    .option('--json', 'shorthand for --output json')
    .option('--dry-run', 'show the plan (API calls and inputs); change nothing')
    .option('--yes', 'do not ask for confirmation')
    .option('--no-wait', 'do not wait for mappings to leave transitional states')
    .option('--no-color', 'plain output without colour')
    .option('--cli-connect-timeout <s>', 'seconds to wait for a connection (0 = no limit)', '60')
    .option('--cli-read-timeout <s>', 'seconds to wait for data on an open connection (0 = no limit)', '60')
    .option('--verbose', 'log each AWS call (service, operation, duration) and show stack traces')
    .option('--debug', 'same as --verbose')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    // Every subcommand's --help also lists the global options above that it acts on (all are accepted).
    .configureHelp({ showGlobalOptions: true, visibleGlobalOptions: (cmd) => globalOptionsOf(cmd) })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        onHelp?.();
        try {
          if (io.writeDirect?.(s)) return;
        } catch (error) {
          // The reader took what it wanted (`evsrc --help | head -1`): help exits 0, as with a stream.
          if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(ExitCode.OK);
          throw error;
        }
        io.stdout.write(s);
      },
      writeErr: (s) => io.stderr.write(s),
      // Help wraps at the width of the terminal it goes to (commander would ask process.stdout); a pipe
      // or a file is 80 columns, known without making the stream.
      getOutHelpWidth: () => (io.plainStdout?.() ? 80 : (io.stdout.isTTY && io.stdout.columns) || 80),
      getErrHelpWidth: () => (io.stderr.isTTY && io.stderr.columns) || 80,
      // evsrc's help has no colour of its own; commander asks only to strip what has none.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });

  const add = program
    .command('add')
    .description('wire an event source to a Lambda function; re-running converges (create, update in place, or nothing)');
  for (const adapter of adapters) {
    const spec = adapter.spec;
    const sub = add
      .command(spec.type)
      .description(spec.summary)
      // A type whose source a flag can name instead (kafka's --bootstrap-servers) takes the argument optionally.
      .argument(spec.sourceFlag ? spec.argument.replace(/^<(.*)>$/, '[$1]') : spec.argument, spec.argumentDescription)
      // Checked by `add` itself rather than as a commander required option: commander reports a missing
      // required option before an unknown one, so a misspelt `--fucntion` would be blamed on --function.
      .option('--function <fn>', 'function name, ARN, partial ARN, or name:alias / name:version');
    if (spec.sourceFlag) sub.option(spec.sourceFlag.flags, spec.sourceFlag.description);
    sub.action((source: string | undefined, _opts: unknown, command: Command) => {
      dispatch({
        command,
        execute: async (ctx) => {
          const { runAdd } = await import('./commands/add.js');
          const raw = command.opts();
          return runAdd(ctx, spec.type as SourceType, sourceOf(spec, source, raw), raw);
        },
      });
    });
    // A type's own flags matter only when it is on the command line (to run it, or for its help):
    // `add --help` lists the types by name, so the others are not built (completion needs them all).
    if (!argv.includes(spec.type) && !argv.includes('completion')) continue;
    for (const option of spec.options) {
      const opt = new Option(option.flags, option.description);
      if (option.repeatable) opt.argParser(collect);
      if (option.hidden) opt.hideHelp();
      if (option.values) completeWith(opt, { values: option.values });
      sub.addOption(opt);
    }
    sub.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  const typeNames = adapters.map((a) => a.spec.type);
  program
    .command('list')
    .description('show every trigger of a function (or of every function in the region) and flag broken ones')
    .option('--function <fn>', 'function name, ARN, partial ARN, or name:alias / name:version (default: every function in the region)')
    .addOption(completeWith(new Option('--type <type>', `only these source types: ${typeList} (repeatable, or comma-separated)`).argParser(collect), { values: typeNames }))
    .option('--check-permissions', 'without --function: also read every function policy to flag orphaned and missing permissions (slow: 15 a second)')
    .addOption(
      completeWith(
        new Option('--fail-on <codes>', `exit ${ExitCode.DRIFT} when list finds these problems: any, or warning codes such as disabled-by-lambda,missing-permission (repeatable, or comma-separated)`).argParser(collect),
        registry.findingCodes ? { values: ['any', ...registry.findingCodes] } : {},
      ),
    )
    .addHelpText(
      'after',
      "\nExamples:\n  $ evsrc list --function process-orders\n  $ evsrc list --type sqs --type s3 --output json\n  $ evsrc list --check-permissions\n  $ evsrc list --fail-on disabled-by-lambda,missing-permission\n",
    )
    .action((_opts: unknown, command: Command) => {
      dispatch({
        command,
        execute: async (ctx) => {
          const { runList } = await import('./commands/list.js');
          return runList(ctx, command.opts());
        },
      });
    });

  program
    .command('export')
    .description('write every trigger found (as list finds them, hand-made ones included) as a triggers file for apply -f and diff -f (YAML; --output json for JSON)')
    .option('--function <fn>', 'only the triggers of this function (repeatable; default: every function in the region)', collect)
    .option('--type <type>', 'only these source types (repeatable, or comma-separated)', collect)
    .addHelpText('after', `\n${FILE_HELP}\nExamples:\n  $ evsrc export > triggers.yaml\n  $ evsrc export --function process-orders --function audit --output json\n`)
    .action((_opts: unknown, command: Command) => {
      dispatch({
        command,
        execute: async (ctx) => {
          const { runExport } = await import('./commands/export.js');
          return runExport(ctx, command.opts());
        },
      });
    });
  program
    .command('apply')
    .description('converge every trigger in a triggers file, as add would; prints the combined plan first')
    .option('-f, --file <path>', 'the triggers file (YAML or JSON, as evsrc export writes it; - for standard input)')
    .option('--prune', 'also remove the triggers of the functions the file names that it does not list (asks first on a terminal, needs --yes otherwise)')
    .addHelpText(
      'after',
      `\n${FILE_HELP}\nExamples:\n  $ evsrc apply -f triggers.yaml --dry-run\n  $ evsrc apply -f triggers.yaml\n  $ evsrc apply -f triggers.yaml --prune --yes --output json\n`,
    )
    .action((_opts: unknown, command: Command) => {
      dispatch({
        command,
        execute: async (ctx) => {
          const { runApply } = await import('./commands/apply.js');
          return runApply(ctx, command.opts());
        },
      });
    });
  program
    .command('diff')
    .description(`compare a triggers file with the account: missing, differing and extra triggers; exit ${ExitCode.DRIFT} when they differ`)
    .option('-f, --file <path>', 'the triggers file (YAML or JSON, as evsrc export writes it; - for standard input)')
    .addHelpText('after', `\n${FILE_HELP}\nExamples:\n  $ evsrc diff -f triggers.yaml\n  $ evsrc diff -f triggers.yaml --output json\n`)
    .action((_opts: unknown, command: Command) => {
      dispatch({
        command,
        execute: async (ctx) => {
          const { runDiff } = await import('./commands/diff.js');
          return runDiff(ctx, command.opts());
        },
      });
    });

  const remove = program
    .command('remove')
    .description('remove a trigger (and the permission behind it); asks first on a terminal, needs --yes otherwise')
    .addArgument(completeWith(new Argument('<type|mapping-uuid>', `source type (${typeList}) or the UUID of an event source mapping`), { values: typeNames }))
    .argument('[source]', `the source: ${[...new Set(adapters.map((a) => a.spec.argument.replace(/[<>]/g, '')))].join(', ')} (name or ARN)`)
    .option('--function <fn>', 'the function whose trigger to remove (required with a source type)')
    .addHelpText(
      'after',
      `\nExamples:\n${['evsrc remove 6c9f2a1e-0d1b-4d0a-9a52-3f1b2c4d5e6f --yes', ...adapters.flatMap((a) => a.spec.removeExamples ?? [])].map((e) => `  $ ${e}`).join('\n')}\n`,
    )
    .action((first: string, source: string | undefined, _opts: unknown, command: Command) => {
      dispatch({
        command,
        execute: async (ctx) => {
          const { runRemove } = await import('./commands/remove.js');
          return runRemove(ctx, first, source, command.opts());
        },
      });
    });
  // Each type's own remove flags (s3's --events, …), described with the types that take them.
  for (const { option, types } of registry.removeFlags) {
    const opt = new Option(option.flags, `${types.join(', ')}: ${option.description}`);
    if (option.repeatable) opt.argParser(collect);
    if (option.hidden) opt.hideHelp();
    if (option.values) completeWith(opt, { values: option.values });
    remove.addOption(opt);
  }
  // `evsrc help add sqs` is `evsrc add sqs --help` (commander's own help command takes one name only).
  program
    .command('help')
    .description('show the help of a command: evsrc help add sqs')
    .addArgument(completeWith(new Argument('[command...]', 'the command, e.g. add sqs'), { commands: true }))
    .action((names: string[]) => {
      let command = program;
      for (const name of names) {
        const sub = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) command.error(`error: unknown command '${[...names.slice(0, names.indexOf(name)), name].join(' ')}'`, { code: 'commander.unknownCommand', exitCode: ExitCode.USAGE });
        else command = sub;
      }
      command.help();
    });
  // Generated from this program (its commands, the registry's flags and their values); loads no SDK code.
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish (load it from your shell\'s start-up file)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ eval "$(evsrc completion bash)"      # in ~/.bashrc\n  $ source <(evsrc completion zsh)       # in ~/.zshrc, after compinit\n  $ evsrc completion fish > ~/.config/fish/completions/evsrc.fish\n',
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const [{ commandModel }, { completionScript }] = await Promise.all([import('./completion/model.js'), import('./completion/scripts.js')]);
      io.stdout.write(completionScript(shell, commandModel(program), version()));
    });
  return program;
}

/** What `export`, `apply` and `diff` say about the triggers file in their --help. */
const FILE_HELP = `Triggers file (YAML or JSON; schema: schema/evsrc-triggers.schema.json in the package):
  version: 1
  triggers:
    - type: sqs                # the add type
      source: orders           # what add <type> takes: a name (this account and region) or an ARN
      function: process-orders # name, ARN, or name:alias
      batchSize: 50            # add's flags by name: --batch-size 50
      batchingWindow: 5
      filter:                  # a JSON flag may be an object; a repeatable one a list
        - {body: {type: [order]}}
    - type: s3
      source: uploads
      function: thumbnailer
      suffix: .jpg
  A setting left out means its AWS default (a disabled mapping is enabled again, filters are removed).
  Exit codes: 0 in sync or done, 2 bad file (every bad entry is named), ${ExitCode.DRIFT} diff found drift,
  1/3/4 the worst failure of apply's triggers.
`;

/** Prints an error in one line (plus hint), as JSON too with --output json; returns its exit code. */
async function reportError(io: Io, error: unknown, globals: GlobalOptions | undefined): Promise<number> {
  const [{ Chalk }, { wrapMessage }, { InterruptedError }] = await Promise.all([import('chalk'), import('./render/fit.js'), import('./core/interrupt.js')]);
  const verbose = globals?.verbose ?? false;
  const chalk = new Chalk({ level: useColor(io.stderr, io.env, globals?.color ?? true) ? 1 : 0 });
  const known = error instanceof EvsrcError ? error : undefined;
  const exitCode = known?.exitCode ?? ExitCode.FAILURE;
  const message = error instanceof Error ? error.message : String(error);
  // On a terminal the lines wrap at spaces to its width; to a pipe they go as they are.
  const width = terminalWidth(io.stderr);
  io.stderr.write(`${wrapMessage(`${chalk.red('error:')} ${message}`, width)}\n`);
  if (known?.hint) io.stderr.write(`${wrapMessage(`${chalk.dim('hint:')} ${known.hint}`, width)}\n`);
  if (known?.requestId && verbose) io.stderr.write(`${chalk.dim(`request id: ${known.requestId}`)}\n`);
  if (verbose && error instanceof Error && error.stack) {
    const cause = (error as Error & { cause?: unknown }).cause;
    io.stderr.write(`${chalk.dim(cause instanceof Error && cause.stack ? cause.stack : error.stack)}\n`);
  }
  if (globals?.output === 'json') {
    const doc: Record<string, unknown> = { message, exitCode };
    if (known?.awsErrorName) doc.awsErrorName = known.awsErrorName;
    if (known?.requestId) doc.requestId = known.requestId;
    if (known?.hint) doc.hint = known.hint;
    if (error instanceof PartialApplyError) doc.remaining = error.remaining;
    if (error instanceof InterruptedError) doc.interrupted = { signal: error.signal, done: error.done, undone: error.undone };
    io.stdout.write(`${JSON.stringify({ error: doc }, null, 2)}\n`);
  }
  return exitCode;
}

/** Whether the command line asks for JSON output, read from argv when parsing itself failed. */
function wantsJson(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--json' || arg === '--output=json' || (arg === '--output' && argv[i + 1] === 'json'));
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo(), options: MainOptions = {}): Promise<number> {
  let invocation: Invocation | undefined;
  // The specs of the trigger types (their flags) are loaded only when a command that uses them is on the
  // command line: `evsrc --help` and `--version` do not need them. No type's implementation is loaded here.
  const registry: Registry = { types: [], removeFlags: [] };
  if (argv.some((a) => a === 'add' || a === 'list' || a === 'remove' || a === 'completion')) {
    const { TRIGGER_TYPES, removeFlags } = await import('./sources/registry.js');
    registry.types = TRIGGER_TYPES;
    registry.removeFlags = removeFlags();
  }
  // Completion values only, never shown in help: the help build goes without them.
  if (argv.includes('completion') && !options.helpOnly) registry.findingCodes = (await import('./inventory/model.js')).FINDING_CODES;
  let wroteHelp = false;
  const program = buildProgram(
    io,
    registry,
    argv,
    (i) => {
      invocation = i;
    },
    () => {
      wroteHelp = true;
      options.onHelp?.();
    },
  );
  let globals: GlobalOptions | undefined;
  let ctx: CommandContext | undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (!invocation) return ExitCode.OK;
    // A command to run: nothing was written yet, and its code is not in the help build.
    if (options.helpOnly) return RUN_FULL;
    globals = await globalsOf(invocation.command);
    ctx = await makeContext(io, globals, options);
    return await invocation.execute(ctx);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (--help, `evsrc help …`) exits 0; help shown because a command was missing exits 2.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.OK;
      // commander has printed its message to stderr; a script asking for JSON still gets one document.
      if (wantsJson(argv)) {
        // Help shown for a missing command carries commander's internal "(outputHelp)" as its message.
        const message = error.code === 'commander.help' ? `missing command; run evsrc --help for the commands` : error.message.replace(/^error: /, '');
        io.stdout.write(`${JSON.stringify({ error: { message, exitCode: ExitCode.USAGE } }, null, 2)}\n`);
      }
      return ExitCode.USAGE;
    }
    if (options.helpOnly) {
      // Nothing written yet: the whole CLI answers. Help was (a write failed on a full disk, say): said here,
      // as the whole CLI would, without printing the help a second time.
      if (!wroteHelp) return RUN_FULL;
      io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      return ExitCode.FAILURE;
    }
    ctx?.reporter.close();
    const { toEvsrcError } = await import('./aws/errors.js');
    // A global option refused while reading the globals (--region, --endpoint-url) still gets its JSON document.
    const shown = globals ?? (wantsJson(argv) ? { output: 'json' as const, dryRun: false, yes: false, wait: true, color: true, verbose: false } : undefined);
    return await reportError(io, toEvsrcError(error), shown);
  } finally {
    ctx?.reporter.close();
    await ctx?.closeSession();
  }
}

/** The exit status of a process killed by SIGPIPE, as a shell reports it: 128 + 13. */
const CLOSED_PIPE = 141;

/**
 * A reader that stops early (`evsrc add sqs --help | head -1`) closes the pipe: the next write fails
 * with EPIPE, which would otherwise crash with a stack trace. evsrc ends quietly instead.
 * - stdout closed: evsrc exits at once. Help and the version exit 0: their output was asked for and
 *   the reader took what it wanted. Every other command exits 141, the status a shell shows for a
 *   command killed by SIGPIPE (`seq 1000000 | head -1`): Node ignores SIGPIPE, so evsrc reports it
 *   the usual way, and a script with `set -o pipefail` can tell that the output was cut short.
 *   Results go to stdout last, after the AWS calls, so this cuts short the printing, never the work.
 * - stderr closed (`2>&1 | head -1`): progress and warnings are dropped and the command carries on
 *   to its end and its own exit code. Stopping there could leave a change half made.
 */
function endQuietlyOnClosedPipe(isHelp: () => boolean): StreamHooks {
  const closed = (error: NodeJS.ErrnoException) => error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
  return {
    stdout: (stream) =>
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (!closed(error)) throw error;
        process.exit(isHelp() ? ExitCode.OK : CLOSED_PIPE);
      }),
    stderr: (stream) =>
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (!closed(error)) throw error;
      }),
  };
}

/** The signal handler of the writes, while they run (see guardWritesWithSignals). */
let writesGuard: ((signal: NodeJS.Signals) => void) | undefined;
/** Whether the writes ran already (a signal after them, while waiting or printing, does not undo them). */
let wroteAlready = false;

/**
 * Exits at once with 130 after a signal, saying why: on stderr, and as the one JSON document on stdout
 * when JSON was asked for (written synchronously: the process exits right after).
 */
function exitInterrupted(json: boolean, signal: NodeJS.Signals, message: string, mayBeLeft: string[]): never {
  process.stderr.write(`\n${message}\n`);
  if (json) {
    const doc = { error: { message, exitCode: ExitCode.INTERRUPTED, interrupted: { signal, mayBeLeft } } };
    try {
      writeSync(1, `${JSON.stringify(doc, null, 2)}\n`);
    } catch {
      // stdout is gone: stderr said it.
    }
  }
  process.exit(ExitCode.INTERRUPTED);
}

/**
 * SIGINT (Ctrl-C) and SIGTERM. While writes run they raise the interrupt flag instead of killing the process:
 * the executor lets the call in flight complete, undoes what the run did and exits 130; a second signal exits
 * at once (130), saying what may be left. Outside the writes (reading, planning, printing) nothing of this run
 * has changed anything, so evsrc exits 130 at once and says so.
 */
function handleSignals(json: boolean): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (writesGuard) {
      writesGuard(signal);
      return;
    }
    if (wroteAlready) {
      exitInterrupted(json, signal, `interrupted (${signal}) after the changes were made (they are kept); run evsrc list to see the result`, []);
    }
    exitInterrupted(json, signal, `interrupted (${signal}) before any change: nothing was changed`, []);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function guardWritesWithSignals(json: boolean): (interrupt: InterruptController) => () => void {
  return (interrupt) => {
    wroteAlready = true;
    writesGuard = (signal) => {
      if (interrupt.interrupt(signal)) {
        process.stderr.write(`\n${signal}: stopping after the call in flight and undoing this run's changes (interrupt again to exit at once)\n`);
        return;
      }
      const left = interrupt.leftBehind();
      exitInterrupted(json, signal, `${signal} again: exiting at once without undoing; ${left}`, interrupt.mayBeLeft());
    };
    return () => {
      writesGuard = undefined;
    };
  };
}

/** The process's Io, and `options` with the onHelp that marks help as printed (a closed stdout then exits 0). */
function processIoAndOnHelp(options: MainOptions): [Io, MainOptions] {
  let help = false;
  return [processIo(endQuietlyOnClosedPipe(() => help)), { ...options, onHelp: () => void (help = true) }];
}

/**
 * The entry of dist/help.cjs: help and the version without the commands' code (see bin/evsrc.js).
 * Anything more (a command to run, an error that is not commander's) goes to `full`, the whole CLI,
 * which then parses the same command line again.
 */
export function runHelp(full: () => unknown): void {
  main(process.argv.slice(2), ...processIoAndOnHelp({ helpOnly: true })).then(
    (code) => {
      if (code === RUN_FULL) full();
      else process.exitCode = code;
    },
    () => full(),
  );
}

/** Entry point of bin/evsrc.js for everything but help and the version (dist/cli.js). */
export function run(): void {
  const argv = process.argv.slice(2);
  handleSignals(wantsJson(argv));
  main(argv, ...processIoAndOnHelp({ guardWrites: guardWritesWithSignals(wantsJson(argv)) })).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`internal error: ${String(error)}\n`);
      process.exitCode = ExitCode.FAILURE;
    },
  );
}
