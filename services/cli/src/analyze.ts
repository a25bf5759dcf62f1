import type { FlowRecord } from '@opaqueflow/flow-model';
import type { AnalyzeArgs } from './args.js';
import { analyzeFlows } from './embedded.js';
import { loadInput } from './inputs.js';
import { rowsOf, toJsonl, toTable } from './report.js';

export interface AnalyzeOutput {
  readonly stdout: string;
  /** One line per input with rejected frames: never fatal, always said. */
  readonly warnings: readonly string[];
}

/** `opaqueflow analyze`: files in, one report out. Unreadable input throws InputError. */
export async function analyze(args: AnalyzeArgs): Promise<AnalyzeOutput> {
  const flows: FlowRecord[] = [];
  const warnings: string[] = [];
  for (const file of args.files) {
    const input = await loadInput(file);
    flows.push(...input.flows);
    const rejected = Object.entries(input.rejected);
    if (rejected.length > 0)
      warnings.push(
        `${file}: skipped malformed input (${rejected.map(([r, n]) => `${r}: ${n}`).join(', ')})`,
      );
  }
  const rows = rowsOf(await analyzeFlows(flows), args.all);
  return { stdout: args.format === 'jsonl' ? toJsonl(rows) : toTable(rows), warnings };
}
