import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowIdOf, flowKeyOf, detectionIdOf, transportOf } from '../src/index.js';

const tuple = {
  srcAddr: '10.0.0.1',
  srcPort: 51000,
  dstAddr: '203.0.113.9',
  dstPort: 443,
  protocol: 6,
};
const reversed = {
  srcAddr: '203.0.113.9',
  srcPort: 443,
  dstAddr: '10.0.0.1',
  dstPort: 51000,
  protocol: 6,
};

test('flowId is stable for the same flow and differs when any identity part differs', () => {
  const id = flowIdOf('pcap', null, null, tuple, 1000);
  assert.equal(id, flowIdOf('pcap', null, null, tuple, 1000));
  assert.notEqual(id, flowIdOf('pcap', null, null, tuple, 1001));
  assert.notEqual(id, flowIdOf('ipfix', '192.0.2.1', 0, tuple, 1000));
  assert.match(id, /^[0-9a-f]{32}$/);
});

test('flow key is the same in both directions and differs between peers on one port', () => {
  assert.equal(flowKeyOf(tuple), flowKeyOf(reversed));
  assert.notEqual(flowKeyOf(tuple), flowKeyOf({ ...tuple, srcAddr: '10.0.0.2' }));
});

test('detection id depends on the aggregate and its window', () => {
  const a = detectionIdOf('10.0.0.1', '203.0.113.9', 8443, 'tcp', 0);
  assert.equal(a, detectionIdOf('10.0.0.1', '203.0.113.9', 8443, 'tcp', 0));
  assert.notEqual(a, detectionIdOf('10.0.0.1', '203.0.113.9', 8443, 'udp', 0));
  assert.notEqual(a, detectionIdOf('10.0.0.1', '203.0.113.9', 8443, 'tcp', 60_000));
});

test('transport from IP protocol number', () => {
  assert.equal(transportOf(6), 'tcp');
  assert.equal(transportOf(17), 'udp');
  assert.equal(transportOf(1), 'other');
});
