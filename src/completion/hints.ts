// What shell completion offers for an option's or an argument's value, beyond commander's own choices.
// Attached where the CLI builds its options from the registry's tables (src/cli.ts), read by the
// completion model (./model.ts). Kept apart from the model so that start-up loads only this.

/** The values to offer: a fixed list, or the names of commands (for `evsrc help <command...>`). */
export interface CompletionHint {
  /** Values a user may type (a comma-separated list of them too). */
  values?: readonly string[];
  /** The value is a command path: offer the subcommands of what was typed so far. */
  commands?: boolean;
}

const hints = new WeakMap<object, CompletionHint>();

/** Attaches a hint to a commander Option or Argument and returns it, for chaining. */
export function completeWith<T extends object>(target: T, hint: CompletionHint): T {
  hints.set(target, hint);
  return target;
}

/** The hint attached to an Option or Argument, if any. */
export function completionHint(target: object): CompletionHint | undefined {
  return hints.get(target);
}
