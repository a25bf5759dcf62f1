// Reading the committed corpus, shared by the tests (and usable by other tools).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelsFile } from './corpus.js';

export const CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../corpus');

export function readLabels(dir = CORPUS_DIR): LabelsFile {
  return JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as LabelsFile;
}
