// Fitting text to a terminal's width. Used only when output goes to a terminal that reports its width:
// a pipe or a file always gets the full, unwrapped text (scripts read it; JSON has every value).

const ANSI = /\u001b\[[0-9;]*m/g;

/** The columns a string takes on a terminal: its characters without colour codes. */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/**
 * Shortens plain text to `width` columns with an ellipsis in the middle: both ends of an id stay
 * readable (`arn:aws:sns:us-east…:alerts:0f4c1e2a`), its start names the kind and its end tells two apart.
 */
export function ellipsize(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, Math.max(0, width));
  const head = Math.floor((width - 1) / 2);
  const tail = width - 1 - head;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** ellipsize() for a word that may carry colour codes: the codes are kept (after the text) so no colour leaks. */
function ellipsizeWord(word: string, width: number): string {
  if (visibleLength(word) <= width) return word;
  const codes = word.match(ANSI)?.join('') ?? '';
  return ellipsize(word.replace(ANSI, ''), width) + codes;
}

/**
 * Wraps text at word boundaries into lines of at most `width` columns. A line wrapped this way goes
 * on two columns further in than it started; a single word too long for a line is shortened with an
 * ellipsis, so no word is ever split across lines.
 */
export function wrapWords(text: string, width: number, hang = 2): string[] {
  if (visibleLength(text) <= width) return [text];
  const indent = text.length - text.trimStart().length;
  const next = ' '.repeat(Math.min(indent + hang, Math.max(0, width - 8)));
  const words = text.slice(indent).split(' ');
  const lines: string[] = [];
  let line = text.slice(0, indent);
  let fresh = true;
  for (const word of words) {
    if (!fresh && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line.trimEnd());
      line = next;
      fresh = true;
    }
    if (fresh) {
      // The spaces that separated two words never start a line.
      if (word === '') continue;
      line += ellipsizeWord(word, width - visibleLength(line));
      fresh = false;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line.trimEnd());
  return lines;
}

/** Fits every line of a text (ending in a newline or not) to `width` columns; no width: unchanged. */
export function fitText(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  const trailing = text.endsWith('\n');
  const lines = (trailing ? text.slice(0, -1) : text).split('\n');
  return lines.flatMap((line) => wrapWords(line, width)).join('\n') + (trailing ? '\n' : '');
}

/**
 * Wraps a message (a warning, a note, an error) at spaces to `width` columns, later lines indented by `hang`;
 * a word longer than a line is left whole (an ARN in a message must stay readable). No width: unchanged.
 */
export function wrapMessage(text: string, width: number | undefined, hang = 2): string {
  if (width === undefined || visibleLength(text) <= width) return text;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = ' '.repeat(hang) + word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join('\n');
}
