export { analyzeFlows, EmbeddedPipeline } from './embedded.js';
export type { AnalyzedFlow, EmbeddedOptions } from './embedded.js';
export { jsonlLine, rowOf, TableWriter } from './report.js';
export type { FlowRow } from './report.js';
export { formatOf, loadInput, InputError } from './inputs.js';
export type { InputFormat, LoadedInput } from './inputs.js';
export { UsageError, usageErrors, wantsHelp } from './args.js';
export type { Command } from './args.js';
