import type { Argument, Command, Option } from 'commander';
import { completionHint } from './hints.js';

// The command line as completion sees it, read from the commander program the CLI itself parses with:
// every command, its visible flags (its own and those of the commands above it, which commander accepts
// anywhere), its positional arguments, and the values of enumerated flags (commander's choices, or the
// values the option tables give). A new command, type or flag shows up here with no change.

/** One flag of a command. */
export interface FlagModel {
  /** `--batch-size`; undefined for a short-only flag. */
  long?: string;
  /** `-h`, when it has one. */
  short?: string;
  /** Whether a value follows it (`--batch-size <n>`). */
  takesValue: boolean;
  description: string;
  /** The values to offer after it, when they are a fixed set. */
  values?: readonly string[];
}

/** One positional argument of a command. */
export interface ArgModel {
  name: string;
  description: string;
  variadic: boolean;
  values?: readonly string[];
  /** The argument names a command (`evsrc help add sqs`). */
  commands?: boolean;
}

/** One command: `evsrc`, `evsrc add`, `evsrc add sqs`, … */
export interface CommandModel {
  /** The words that lead to it after `evsrc` (empty for evsrc itself). */
  path: string[];
  name: string;
  description: string;
  flags: FlagModel[];
  args: ArgModel[];
  commands: CommandModel[];
}

function flagOf(option: Option): FlagModel {
  const hint = completionHint(option);
  const values = option.argChoices ?? hint?.values;
  return {
    long: option.long,
    short: option.short,
    takesValue: option.required || option.optional,
    description: option.description,
    ...(values ? { values } : {}),
  };
}

function argOf(argument: Argument): ArgModel {
  const hint = completionHint(argument);
  const values = argument.argChoices ?? hint?.values;
  return {
    name: argument.name(),
    description: argument.description,
    variadic: argument.variadic,
    ...(values ? { values } : {}),
    ...(hint?.commands ? { commands: true } : {}),
  };
}

/** The visible flags of a command: its own (with --help), then those of each command above it. */
function flagsOf(command: Command): FlagModel[] {
  const options: Option[] = [...command.createHelp().visibleOptions(command)];
  for (let parent = command.parent; parent; parent = parent.parent) options.push(...parent.options.filter((o) => !o.hidden));
  const seen = new Set<string>();
  const flags: FlagModel[] = [];
  for (const option of options) {
    const key = option.long ?? option.short ?? option.flags;
    if (seen.has(key)) continue;
    seen.add(key);
    flags.push(flagOf(option));
  }
  return flags;
}

/** The completion model of a commander program and everything under it. */
export function commandModel(command: Command, path: string[] = []): CommandModel {
  const subcommands = command.createHelp().visibleCommands(command);
  return {
    path,
    name: command.name(),
    description: command.description(),
    flags: flagsOf(command),
    args: command.registeredArguments.map(argOf),
    commands: subcommands.map((sub) => commandModel(sub, [...path, sub.name()])),
  };
}

/** Every command of the model, the root first, parents before their subcommands. */
export function allCommands(root: CommandModel): CommandModel[] {
  return [root, ...root.commands.flatMap(allCommands)];
}
