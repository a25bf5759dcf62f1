// Line splitting for text protocols: a bounded number of CRLF/LF lines from the start of a
// payload prefix, stopping where binary bytes begin (where a STARTTLS upgrade's TLS starts).
import { ascii, isTextByte } from './bytes.js';

export interface TextLines {
  readonly lines: readonly string[];
  /** Offset just after the last complete line. */
  readonly end: number;
  /** The prefix ends inside a line (no newline yet). */
  readonly partial: string | null;
  /** Offset of the first non-text byte after a complete line, or -1. */
  readonly binaryAt: number;
}

const MAX_LINES = 48;
const MAX_LINE = 1024;

export function textLines(b: Uint8Array): TextLines {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < b.length && lines.length < MAX_LINES; i++) {
    const c = b[i] ?? 0;
    if (c === 0x0a) {
      const end = i > start && b[i - 1] === 0x0d ? i - 1 : i;
      lines.push(ascii(b, start, end));
      start = i + 1;
      continue;
    }
    if (!isTextByte(c)) return { lines, end: start, partial: null, binaryAt: i === start ? i : -1 };
    if (i - start >= MAX_LINE) return { lines, end: start, partial: null, binaryAt: -1 };
  }
  const partial = lines.length < MAX_LINES && start < b.length ? ascii(b, start, b.length) : null;
  return { lines, end: start, partial, binaryAt: -1 };
}
