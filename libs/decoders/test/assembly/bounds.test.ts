// The streaming path holds bounded state however long the capture: flows and buffered
// payload stay under their limits at every step, and every flow still comes out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { CaptureFlowDecoder, flowsFromCapture } from '../../src/index.js';
import { generateCapture } from '../../bench/generate-capture.js';

test('a long capture through small bounds: limits hold, packets are all accounted for', () => {
  const bytes = generateCapture({ packets: 60_000, concurrentFlows: 400, seed: 11 });
  const unbounded = flowsFromCapture(bytes);
  const maxFlows = 100;
  const maxBufferedBytes = 48 * 1024;
  const flows: FlowRecord[] = [];
  const decoder = new CaptureFlowDecoder((f) => flows.push(f), {
    maxFlows,
    maxBufferedBytes,
    payloadPrefixBytes: 1024,
  });
  let peakFlows = 0;
  let peakBuffered = 0;
  for (let at = 0; at < bytes.length; at += 4096) {
    decoder.push(bytes.subarray(at, at + 4096));
    peakFlows = Math.max(peakFlows, decoder.openFlows);
    peakBuffered = Math.max(peakBuffered, decoder.bufferedBytes);
  }
  const stats = decoder.end();
  assert.ok(peakFlows <= maxFlows, `peak flows ${peakFlows}`);
  assert.ok(peakBuffered <= maxBufferedBytes, `peak buffered ${peakBuffered}`);
  assert.ok((stats.evictions['flow-limit'] ?? 0) > 0);
  assert.ok((stats.evictions['memory-limit'] ?? 0) > 0);
  const packets = (fs: FlowRecord[]): number =>
    fs.reduce((n, f) => n + f.packetsFwd + f.packetsRev, 0);
  // Evicted flows are split, never lost: the same packets, in more records.
  assert.equal(packets(flows), packets(unbounded.flows));
  assert.ok(flows.length > unbounded.flows.length);
});
