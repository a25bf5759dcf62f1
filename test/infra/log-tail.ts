import { open } from 'node:fs/promises';

/** The last `lines` lines of `text`, without a trailing empty line. */
export function tailLines(text: string, lines: number): string {
  if (lines <= 0) return '';
  const all = text.split(/\r?\n/);
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}

/**
 * The last `lines` lines of a log file, reading at most `maxBytes` from its end so a
 * server that logged megabytes does not have to be read whole. Never throws: a missing
 * log is reported in the text, since this only ever feeds an error message.
 */
export async function readLogTail(path: string, lines = 40, maxBytes = 64 * 1024): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    // A cut in the middle of the first line would show a misleading fragment.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return tailLines(text, lines);
  } catch (error) {
    return `(no log at ${path}: ${(error as Error).message})`;
  } finally {
    await handle?.close();
  }
}
