import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { CaptureFlowDecoder, LinkType } from '../../src/index.js';
import type { FlowEnding } from '../../src/index.js';
import { ipv4, pcapFile, udp } from '../capture/frames.js';

function datagram(srcPort: number, timestampMs: number) {
  return {
    timestampMs,
    data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, udp(srcPort, 9000, 'x')),
  };
}

function decode(frames: ReturnType<typeof datagram>[], options: { maxFlows?: number } = {}) {
  const out: { flow: FlowRecord; ending: FlowEnding }[] = [];
  const decoder = new CaptureFlowDecoder((flow, ending) => out.push({ flow, ending }), options);
  decoder.push(pcapFile({ linkType: LinkType.RAW }, frames));
  return { out, stats: decoder.end() };
}

test('a flow evicted by the flow limit and seen again is one flow split in two records, said so', () => {
  const { out, stats } = decode(
    [datagram(1, 0), datagram(2, 1), datagram(3, 2), datagram(1, 3), datagram(3, 4)],
    { maxFlows: 2 },
  );
  const ofPort = (port: number) => out.filter((o) => o.flow.srcPort === port);
  const [first, second] = ofPort(1);
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(first.ending.reason, 'flow-limit');
  assert.equal(first.ending.continues, null);
  assert.equal(second.ending.continues, first.flow.flowId);
  assert.notEqual(second.flow.flowId, first.flow.flowId);
  // Port 2 was evicted too but never came back; port 3 was never cut.
  assert.deepEqual(
    ofPort(2).map((o) => o.ending.continues),
    [null],
  );
  assert.deepEqual(
    ofPort(3).map((o) => o.ending.continues),
    [null],
  );
  assert.equal(stats.flowsSplit, 1);
  assert.equal(stats.evictions['flow-limit'], 2);
});

test('a flow cut by the active timeout continues in a record that says which one it continues', () => {
  const minute = 60_000;
  const frames = Array.from({ length: 40 }, (_, i) => datagram(7, i * minute));
  const { out, stats } = decode(frames);
  assert.equal(out.length, 2);
  assert.equal(out[0]!.ending.reason, 'active-timeout');
  assert.equal(out[1]!.ending.continues, out[0]!.flow.flowId);
  assert.equal(stats.flowsSplit, 1);
});
