export type { FlowSpec } from './fixtures.js';
export { makeFeatures, itemsOf, randomDirection, textDirection } from './fixtures.js';
export type { ExceptionAdmin, StoreHarness, StoreFactory } from './store-suite.js';
export { runStoreSuite } from './store-suite.js';
export { runBatchingProperty } from './batching-suite.js';
