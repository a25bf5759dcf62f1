// Lookup tables shared by the hot loops: built once at module load.

export const POPCOUNT = new Uint8Array(256);
/** 1 for printable ASCII (0x20–0x7e), the class both Wu et al. and this detector count. */
export const PRINTABLE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let bits = 0;
  for (let v = b; v !== 0; v >>>= 1) bits += v & 1;
  POPCOUNT[b] = bits;
  PRINTABLE[b] = b >= 0x20 && b <= 0x7e ? 1 : 0;
}

/** Counts above this fall back to Math.log2; payload prefixes are bounded well below it. */
export const X_LOG2_X_TABLE_SIZE = 65_536;
/** c·log2(c) for c in [0, X_LOG2_X_TABLE_SIZE]: the entropy sum without a log per bin. */
export const X_LOG2_X = new Float64Array(X_LOG2_X_TABLE_SIZE + 1);
for (let c = 2; c <= X_LOG2_X_TABLE_SIZE; c++) X_LOG2_X[c] = c * Math.log2(c);

export function xLog2x(count: number): number {
  return count <= X_LOG2_X_TABLE_SIZE ? (X_LOG2_X[count] as number) : count * Math.log2(count);
}

/** Fraction of the 256 byte values that are printable: 95/256. */
export const PRINTABLE_PROBABILITY = 95 / 256;
