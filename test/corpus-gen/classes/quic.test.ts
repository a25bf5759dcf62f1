import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialSecrets, quicKeys, varint } from './quic.js';

test('initial keys match RFC 9001 appendix A.1', () => {
  const secrets = initialSecrets(Buffer.from('8394c8f03e515708', 'hex'));
  const client = quicKeys(secrets.client);
  assert.equal(client.key.toString('hex'), '1f369613dd76d5467730efcbe3b1a22d');
  assert.equal(client.iv.toString('hex'), 'fa044b2f42a3fd3b46fb255c');
  assert.equal(client.hp.toString('hex'), '9f50449e04a0e810283a1e9933adedd2');
  const server = quicKeys(secrets.server);
  assert.equal(server.key.toString('hex'), 'cf3a5331653c364c88f0f379b6067e37');
  assert.equal(server.iv.toString('hex'), '0ac1493ca1905853b0bba03e');
  assert.equal(server.hp.toString('hex'), 'c206b8d9b9f0f37644430b490eeaa314');
});

test('varints encode as in RFC 9000 appendix A.1', () => {
  assert.equal(varint(37).toString('hex'), '25');
  assert.equal(varint(15293).toString('hex'), '7bbd');
  assert.equal(varint(494878333).toString('hex'), '9d7f3e7d');
});
