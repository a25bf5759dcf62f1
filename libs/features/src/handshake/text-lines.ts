// Line splitting for text protocols: a bounded number of CRLF/LF lines from the start of a
// payload prefix, stopping where binary bytes begin (where a STARTTLS upgrade's TLS starts).
import { isTextByte } from './bytes.js';

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
  let cur = '';
  for (let i = 0; i < b.length && lines.length < MAX_LINES; i++) {
    const c = b[i] ?? 0;
    if (!isTextByte(c)) {
      return { lines, end: start, partial: null, binaryAt: i === start ? i : -1 };
    }
    if (c === 0x0a) {
      lines.push(cur.endsWith('\r') ? cur.slice(0, -1) : cur);
      cur = '';
      start = i + 1;
      continue;
    }
    if (cur.length >= MAX_LINE) return { lines, end: start, partial: null, binaryAt: -1 };
    cur += String.fromCharCode(c);
  }
  return { lines, end: start, partial: cur.length > 0 ? cur : null, binaryAt: -1 };
}
