export { analyzeFlows } from './embedded.js';
export type { AnalyzedFlow, EmbeddedOptions } from './embedded.js';
export { rowsOf, toJsonl, toTable } from './report.js';
export type { FlowRow } from './report.js';
export { formatOf, loadInput, InputError } from './inputs.js';
export type { InputFormat, LoadedInput } from './inputs.js';
