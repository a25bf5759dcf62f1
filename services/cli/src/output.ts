import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Text out to a stream in chunks of about 64 KiB, waiting for 'drain' when the reader is
 * slower than we are: memory stays bounded however many lines a report has.
 */
export class ChunkedWriter {
  private buffered = '';

  constructor(
    private readonly stream: Writable,
    private readonly chunkChars = 64 * 1024,
  ) {}

  async write(text: string): Promise<void> {
    this.buffered += text;
    if (this.buffered.length >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    const chunk = this.buffered;
    this.buffered = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}
