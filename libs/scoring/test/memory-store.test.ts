import { MemoryExceptionStore, MemoryScorerStore } from '@opaqueflow/scoring';
import { runBatchingProperty, runStoreSuite } from '@opaqueflow/scoring/testing';

runStoreSuite('the memory store', () => {
  const store = new MemoryScorerStore();
  const exceptions = new MemoryExceptionStore();
  return Promise.resolve({
    store,
    // Replicas of the embedded runner share one process, so they share the store itself.
    openStore: () => Promise.resolve(store),
    exceptionAdmin: {
      put: (e) => Promise.resolve(exceptions.put(e)),
      remove: (id) => Promise.resolve(exceptions.remove(id)),
    },
    openExceptionSource: () => Promise.resolve(exceptions),
    close: () => store.close(),
  });
});

runBatchingProperty(
  'memory store',
  () => {
    const store = new MemoryScorerStore();
    return Promise.resolve({
      store,
      openStore: () => Promise.resolve(store),
      exceptionAdmin: { put: () => Promise.resolve(), remove: () => Promise.resolve() },
      openExceptionSource: () => Promise.resolve(new MemoryExceptionStore()),
      close: () => store.close(),
    });
  },
  150,
);
