/** Bytes of spare buffers a pool may hold, whatever their size. */
const MAX_POOLED_BYTES = 4 * 1024 * 1024;

/**
 * Recycles the fixed-size payload buffers of ended flows. A typed array of this size costs
 * an off-heap allocation and later a GC finaliser; a capture with many short flows would
 * otherwise spend more time there than decoding.
 */
export class BufferPool {
  private readonly spare: Uint8Array[] = [];
  private readonly maxSpare: number;

  constructor(readonly size: number) {
    this.maxSpare = size > 0 ? Math.floor(MAX_POOLED_BYTES / size) : 0;
  }

  take(): Uint8Array {
    return this.spare.pop() ?? new Uint8Array(this.size);
  }

  give(buffer: Uint8Array): void {
    if (buffer.length === this.size && this.spare.length < this.maxSpare) this.spare.push(buffer);
  }
}
