import { allCommands, type CommandModel, type FlagModel } from './model.js';

// `evsrc completion bash|zsh|fish`: a completion script for each shell, generated from the completion
// model (./model.ts), so the commands, source types, flags and values it offers are the ones the CLI
// parses. The bash and zsh scripts share their tables and the walk over the words typed (POSIX-ish
// shell code that runs in both); each has its own entry point. The fish script is fish's own.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** A word in single quotes for sh, bash and zsh. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A word in single quotes for fish (which escapes \ and ' inside them). */
function fq(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** One line of a description: the first sentence-ish part, without line breaks. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const pathKey = (c: CommandModel) => c.path.join(' ');
const flagNames = (f: FlagModel) => [f.long, f.short].filter((n): n is string => Boolean(n));

/** A case statement over `$1` whose branches set the array __evsrc_r (bash and zsh). */
function caseTable(name: string, comment: string, rows: { keys: string[]; words: readonly string[] }[]): string {
  // Rows with the same words share a branch.
  const merged = new Map<string, { keys: string[]; words: readonly string[] }>();
  for (const row of rows) {
    if (row.words.length === 0) continue;
    const id = JSON.stringify(row.words);
    const entry = merged.get(id) ?? { keys: [], words: row.words };
    entry.keys.push(...row.keys);
    merged.set(id, entry);
  }
  const branches = [...merged.values()].map((b) => `    ${b.keys.map(sq).join('|')}) __evsrc_r=(${b.words.map(sq).join(' ')}) ;;`);
  return [`# ${comment}`, `${name}() {`, '  __evsrc_r=()', '  case "$1" in', ...branches, '  esac', '}'].join('\n');
}

/** The tables of the bash and zsh scripts, and the walk over the words before the one completed. */
function shTables(root: CommandModel): string {
  const commands = allCommands(root);
  const valueRows: { keys: string[]; words: readonly string[] }[] = [];
  const argRows: { keys: string[]; words: readonly string[] }[] = [];
  const commandArgs: string[] = [];
  for (const c of commands) {
    for (const f of c.flags) if (f.takesValue && f.values) valueRows.push({ keys: flagNames(f).map((n) => `${pathKey(c)}|${n}`), words: f.values });
    const last = c.args[c.args.length - 1];
    c.args.forEach((a, i) => {
      const key = a.variadic && a === last ? `${pathKey(c)}|#*` : `${pathKey(c)}|#${i}`;
      if (a.values) argRows.push({ keys: [key], words: a.values });
      if (a.commands) commandArgs.push(key);
    });
  }
  return [
    caseTable('__evsrc_commands', 'The subcommands of a command (its words after evsrc).', commands.map((c) => ({ keys: [pathKey(c)], words: c.commands.map((s) => s.name) }))),
    caseTable('__evsrc_flags', 'The flags a command takes (its own and those of the commands above it).', commands.map((c) => ({ keys: [pathKey(c)], words: c.flags.flatMap(flagNames) }))),
    caseTable(
      '__evsrc_valued',
      'The flags of a command that take a value.',
      commands.map((c) => ({ keys: [pathKey(c)], words: c.flags.filter((f) => f.takesValue).flatMap(flagNames) })),
    ),
    caseTable('__evsrc_values', 'The values of enumerated flags ("command|flag") and positional arguments ("command|#index", #* for the rest).', [...valueRows, ...argRows]),
    '# Whether a positional argument ("command|#index") names a command, as in evsrc help add sqs.',
    '__evsrc_names_command() {',
    commandArgs.length ? `  case "$1" in ${commandArgs.map(sq).join('|')}) return 0 ;; esac` : '  :',
    '  return 1',
    '}',
    '',
    '# Whether $1 is one of the words in __evsrc_r.',
    '__evsrc_in() {',
    '  local __evsrc_x',
    '  for __evsrc_x in "${__evsrc_r[@]}"; do [[ $__evsrc_x == "$1" ]] && return 0; done',
    '  return 1',
    '}',
    '',
    '# Walks the words typed after evsrc (not the one being completed) as commander parses them: the',
    '# command they lead to (__evsrc_path), its positional arguments (__evsrc_pos), and the flag whose value',
    '# comes next, if any (__evsrc_pending).',
    '__evsrc_walk() {',
    "  __evsrc_path='' __evsrc_pending='' __evsrc_pos=()",
    '  local __evsrc_w __evsrc_operands=',
    '  for __evsrc_w in "$@"; do',
    '    if [[ -n $__evsrc_pending ]]; then __evsrc_pending=; continue; fi',
    '    if [[ -z $__evsrc_operands ]]; then',
    '      case $__evsrc_w in',
    '        --) __evsrc_operands=1; continue ;;',
    '        --*=*) continue ;;',
    '        -?*)',
    '          __evsrc_valued "$__evsrc_path"',
    '          if __evsrc_in "$__evsrc_w"; then __evsrc_pending=$__evsrc_w; fi',
    '          continue ;;',
    '      esac',
    '    fi',
    '    if (( ${#__evsrc_pos[@]} == 0 )); then',
    '      __evsrc_commands "$__evsrc_path"',
    '      if __evsrc_in "$__evsrc_w"; then __evsrc_path=${__evsrc_path:+$__evsrc_path }$__evsrc_w; continue; fi',
    '    fi',
    '    __evsrc_pos+=("$__evsrc_w")',
    '  done',
    '}',
    '',
    '# The candidates for the word being completed ($1), into __evsrc_cands; __evsrc_list is set when they',
    '# are values (of which a comma-separated list may be given), __evsrc_kind says which: flags, commands',
    '# (the subcommands of __evsrc_of) or values. Needs __evsrc_walk first. The candidates are not yet',
    '# matched against $1.',
    '__evsrc_candidates() {',
    '  local __evsrc_cur=$1 __evsrc_i',
    "  __evsrc_cands=() __evsrc_list='' __evsrc_kind=values __evsrc_of=$__evsrc_path",
    '  if [[ -n $__evsrc_pending ]]; then',
    '    __evsrc_values "$__evsrc_path|$__evsrc_pending"; __evsrc_cands=("${__evsrc_r[@]}"); __evsrc_list=1',
    '  elif [[ $__evsrc_cur == --*=* ]]; then',
    '    __evsrc_values "$__evsrc_path|${__evsrc_cur%%=*}"; __evsrc_cands=("${__evsrc_r[@]}"); __evsrc_list=1',
    '  elif [[ $__evsrc_cur == -* ]]; then',
    '    __evsrc_flags "$__evsrc_path"; __evsrc_cands=("${__evsrc_r[@]}"); __evsrc_kind=flags',
    '  else',
    '    local __evsrc_n=${#__evsrc_pos[@]} __evsrc_key',
    '    if (( __evsrc_n == 0 )); then',
    '      __evsrc_commands "$__evsrc_path"; __evsrc_cands=("${__evsrc_r[@]}")',
    '      (( ${#__evsrc_cands[@]} )) && __evsrc_kind=commands',
    '    fi',
    '    __evsrc_key="$__evsrc_path|#$__evsrc_n"',
    '    __evsrc_values "$__evsrc_key"',
    '    if (( ${#__evsrc_r[@]} == 0 )); then __evsrc_key="$__evsrc_path|#*"; __evsrc_values "$__evsrc_key"; fi',
    '    if (( ${#__evsrc_r[@]} )); then __evsrc_cands+=("${__evsrc_r[@]}"); __evsrc_list=1; fi',
    '    if __evsrc_names_command "$__evsrc_path|#$__evsrc_n" || __evsrc_names_command "$__evsrc_path|#*"; then',
    "      local __evsrc_sub=''",
    '      for __evsrc_i in "${__evsrc_pos[@]}"; do __evsrc_sub=${__evsrc_sub:+$__evsrc_sub }$__evsrc_i; done',
    '      __evsrc_commands "$__evsrc_sub"; __evsrc_cands+=("${__evsrc_r[@]}"); __evsrc_kind=commands __evsrc_of=$__evsrc_sub',
    '    fi',
    '  fi',
    '}',
  ].join('\n');
}

function header(shell: Shell, version: string): string {
  return `# ${shell} completion for evsrc ${version}, generated by \`evsrc completion ${shell}\` from its own command tables.`;
}

function bashScript(root: CommandModel, version: string): string {
  return `${header('bash', version)}
# Load it in each new shell (add this line to ~/.bashrc; bash 3.2 cannot source <(...)):
#   eval "$(evsrc completion bash)"
# or save it once where bash-completion looks (it loads the file on first use):
#   evsrc completion bash > "\${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion/completions/evsrc"

${shTables(root)}

# Splits the line up to the cursor into words as the shell would read them (quotes and backslashes
# removed), into __evsrc_words; the last one is the word being completed ('' after a space).
__evsrc_split() {
  local s=$1 c q='' w='' in='' i
  __evsrc_words=()
  for (( i = 0; i < \${#s}; i++ )); do
    c=\${s:i:1}
    if [[ -n $q ]]; then
      if [[ $c == "$q" ]]; then q=''
      elif [[ $q == '"' && $c == '\\' && $(( i + 1 )) -lt \${#s} ]]; then i=$(( i + 1 )); w+=\${s:i:1}
      else w+=$c; fi
    elif [[ $c == "'" || $c == '"' ]]; then q=$c; in=1
    elif [[ $c == '\\' ]]; then i=$(( i + 1 )); w+=\${s:i:1}; in=1
    elif [[ $c == [[:space:]] ]]; then
      if [[ -n $in ]]; then __evsrc_words+=("$w"); w='' in=''; fi
    else w+=$c; in=1; fi
  done
  __evsrc_words+=("$w")
}

_evsrc() {
  local __evsrc_path __evsrc_pending __evsrc_list __evsrc_kind __evsrc_of
  local -a __evsrc_words __evsrc_pos __evsrc_r __evsrc_cands
  __evsrc_split "\${COMP_LINE:0:COMP_POINT}"
  local n=\${#__evsrc_words[@]}
  local cur=\${__evsrc_words[n-1]} full c cut=0 i reply
  __evsrc_walk "\${__evsrc_words[@]:1:n-2}"
  __evsrc_candidates "$cur"
  full=$cur
  local prefix=''
  if [[ -z $__evsrc_pending && $cur == --*=* ]]; then prefix=\${cur%%=*}=; cur=\${cur#*=}; fi
  if [[ -n $__evsrc_list && $cur == *,* ]]; then prefix+=\${cur%,*},; cur=\${cur##*,}; fi
  # Bash replaces only the part of the word after its last COMP_WORDBREAKS character (: and = among
  # them): give it the replies without what comes before.
  for (( i = 0; i < \${#full}; i++ )); do
    [[ $COMP_WORDBREAKS == *"\${full:i:1}"* ]] && cut=$(( i + 1 ))
  done
  COMPREPLY=()
  for c in "\${__evsrc_cands[@]}"; do
    if [[ $c == "$cur"* ]]; then
      reply=$prefix$c
      reply=\${reply:cut}
      # A value such as s3:ObjectCreated:* is inserted with its glob characters escaped.
      reply=\${reply//\\*/\\\\*}; reply=\${reply//\\?/\\\\?}; reply=\${reply//\\[/\\\\[}
      COMPREPLY+=("$reply")
    fi
  done
}

complete -F _evsrc evsrc
`;
}

function zshDescribeTable(root: CommandModel): string {
  // "name:description" lines for _describe, per command: its subcommands and its flags.
  const rows = (c: CommandModel) => [
    `    ${sq(`${pathKey(c)}|commands`)}) __evsrc_r=(${c.commands.map((s) => sq(`${s.name.replace(/:/g, '\\:')}:${oneLine(s.description)}`)).join(' ')}) ;;`,
    `    ${sq(`${pathKey(c)}|flags`)}) __evsrc_r=(${c.flags
      .flatMap((f) => flagNames(f).map((n) => sq(`${n}:${oneLine(f.description)}`)))
      .join(' ')}) ;;`,
  ];
  return ['# Descriptions of the subcommands and flags of a command ("command|commands", "command|flags").', '__evsrc_described() {', '  __evsrc_r=()', '  case "$1" in', ...allCommands(root).flatMap(rows), '  esac', '}'].join('\n');
}

function zshScript(root: CommandModel, version: string): string {
  return `#compdef evsrc
${header('zsh', version)}
# Load it in each new shell (add this line to ~/.zshrc, after compinit):
#   source <(evsrc completion zsh)
# or save it as _evsrc in a folder of your $fpath, before compinit runs:
#   evsrc completion zsh > "\${fpath[1]}/_evsrc"

${shTables(root)}

${zshDescribeTable(root)}

_evsrc() {
  # No emulate -L here: compsys runs completion functions with its own options, and _describe fails
  # under emulate's.
  local __evsrc_path __evsrc_pending __evsrc_list __evsrc_kind __evsrc_of
  local -a __evsrc_pos __evsrc_r __evsrc_cands
  local cur=\${(Q)words[CURRENT]}
  __evsrc_walk "\${(@Q)words[2,CURRENT-1]}"
  __evsrc_candidates "$cur"
  if [[ $__evsrc_kind == flags || $__evsrc_kind == commands ]] && [[ -z $__evsrc_list ]]; then
    if [[ $__evsrc_kind == flags ]]; then __evsrc_described "$__evsrc_path|flags"; else __evsrc_described "$__evsrc_of|commands"; fi
    local -a described; described=("\${__evsrc_r[@]}")
    _describe -t "$__evsrc_kind" "evsrc $__evsrc_kind" described
    return
  fi
  [[ -z $__evsrc_pending && $cur == --*=* ]] && compset -P '*='
  [[ -n $__evsrc_list ]] && compset -P '*,'
  (( \${#__evsrc_cands[@]} )) && compadd -- "\${__evsrc_cands[@]}"
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _evsrc "$@"
else
  compdef _evsrc evsrc
fi
`;
}

function fishScript(root: CommandModel, version: string): string {
  const commands = allCommands(root);
  const sw = (name: string, comment: string, rows: { key: string; words: readonly string[] }[]) =>
    [
      `# ${comment}`,
      `function ${name}`,
      '    switch "$argv[1]"',
      ...rows.filter((r) => r.words.length).flatMap((r) => [`        case ${fq(r.key)}`, `            printf '%s\\n' ${r.words.map(fq).join(' ')}`]),
      '    end',
      'end',
    ].join('\n');
  const lines: string[] = [];
  for (const c of commands) {
    const at = (n?: number | '*') => `-n ${fq(`__evsrc_at ${fq(pathKey(c))}${n === undefined ? '' : ` ${fq(String(n))}`}`)}`;
    for (const sub of c.commands) lines.push(`complete -c evsrc ${at(0)} -a ${fq(sub.name)} -d ${fq(oneLine(sub.description))}`);
    for (const f of c.flags) {
      const names = [f.long ? `-l ${fq(f.long.replace(/^--/, ''))}` : '', f.short ? `-s ${fq(f.short.replace(/^-/, ''))}` : ''].filter(Boolean).join(' ');
      const value = f.takesValue ? (f.values ? ` -x -a ${fq(`(__evsrc_list ${f.values.map(fq).join(' ')})`)}` : ' -x') : '';
      lines.push(`complete -c evsrc ${at()} ${names}${value} -d ${fq(oneLine(f.description))}`);
    }
    c.args.forEach((a, i) => {
      const n = a.variadic && i === c.args.length - 1 ? ('*' as const) : i;
      if (a.values) lines.push(`complete -c evsrc ${at(n)} -a ${fq(`(__evsrc_list ${a.values.map(fq).join(' ')})`)}`);
      if (a.commands) lines.push(`complete -c evsrc ${at(n)} -a ${fq('(__evsrc_named_commands)')}`);
    });
  }
  return `${header('fish', version)}
# Load it in each new shell (add this line to ~/.config/fish/config.fish):
#   evsrc completion fish | source
# or save it once where fish looks for completions:
#   evsrc completion fish > ~/.config/fish/completions/evsrc.fish

${sw('__evsrc_commands', 'The subcommands of a command (its words after evsrc).', commands.map((c) => ({ key: pathKey(c), words: c.commands.map((s) => s.name) })))}

${sw('__evsrc_valued', 'The flags of a command that take a value.', commands.map((c) => ({ key: pathKey(c), words: c.flags.filter((f) => f.takesValue).flatMap(flagNames) })))}

# Walks the words typed after evsrc as commander parses them; prints the command they lead to, then its
# positional arguments, one a line.
function __evsrc_walk
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l pos
    set -l skip 0
    set -l operands 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if test $operands = 0
            switch $w
                case '--'
                    set operands 1
                    continue
                case '--*=*'
                    continue
                case '-?*'
                    if contains -- $w (__evsrc_valued "$path")
                        set skip 1
                    end
                    continue
            end
        end
        if test (count $pos) = 0; and contains -- $w (__evsrc_commands "$path")
            set path (string trim -- "$path $w")
            continue
        end
        set -a pos $w
    end
    printf '%s\\n' "$path" $pos
end

# Whether the words typed lead to command $argv[1] and, when $argv[2] is given, to its positional
# argument of that index (* for any).
function __evsrc_at
    set -l state (__evsrc_walk)
    test "$state[1]" = "$argv[1]"; or return 1
    test (count $argv) -lt 2; and return 0
    test "$argv[2]" = '*'; and return 0
    test (math (count $state) - 1) = $argv[2]
end

# Values for the current word; after a comma, for the next item of a comma-separated list.
function __evsrc_list
    set -l token (commandline -ct)
    set -l prefix ''
    if string match -q -- '*=*' $token
        set token (string replace -r -- '^[^=]*=' '' $token)
    end
    if string match -q -- '*,*' $token
        set prefix (string replace -r -- '[^,]*$' '' $token)
    end
    printf '%s\\n' $prefix$argv
end

# The subcommands of the command named by the positional arguments so far (evsrc help add sqs).
function __evsrc_named_commands
    set -l state (__evsrc_walk)
    set -e state[1]
    __evsrc_commands (string join ' ' $state)
end

complete -c evsrc -f
${lines.join('\n')}
`;
}

/** The completion script of `shell` for the program described by `root`. */
export function completionScript(shell: Shell, root: CommandModel, version: string): string {
  if (shell === 'bash') return bashScript(root, version);
  if (shell === 'zsh') return zshScript(root, version);
  return fishScript(root, version);
}
