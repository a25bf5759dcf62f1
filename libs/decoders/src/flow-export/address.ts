/** Dotted quad of an IPv4 address held as an unsigned 32-bit number. */
export function ipv4String(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function ipv4At(b: Uint8Array, off: number): string {
  return `${b[off]!}.${b[off + 1]!}.${b[off + 2]!}.${b[off + 3]!}`;
}

/** RFC 5952 text of the IPv6 address at `off` (lower case, longest zero run compressed). */
export function ipv6At(b: Uint8Array, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses read better with their dotted tail.
  if (bestStart === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${ipv4At(b, off + 12)}`;
  }
  if (bestStart < 0) return words.map((w) => w.toString(16)).join(':');
  const head = words.slice(0, bestStart).map((w) => w.toString(16));
  const tail = words.slice(bestStart + bestLen).map((w) => w.toString(16));
  return `${head.join(':')}::${tail.join(':')}`;
}
