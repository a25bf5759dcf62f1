// Reading the committed corpus, shared by the tests (and usable by other tools).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelEntry, LabelsFile } from './corpus.js';

export const CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../corpus');

export function readLabels(dir = CORPUS_DIR): LabelsFile {
  return JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as LabelsFile;
}

/** Label entries grouped by the pcap file that holds them. */
export function flowsByFile(labels: LabelsFile): Map<string, LabelEntry[]> {
  const byFile = new Map<string, LabelEntry[]>();
  for (const f of labels.flows) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  return byFile;
}
