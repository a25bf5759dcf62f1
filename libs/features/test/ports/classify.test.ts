import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { classifyPort, createPortTable } from '../../src/ports/classify.js';
import { ianaRegistry, parseIanaCsv } from '../../src/ports/iana.js';
import { FeaturesError } from '../../src/errors.js';

test('the bundled IANA snapshot names well-known ports', () => {
  const iana = ianaRegistry();
  assert.ok(iana.size > 10_000);
  assert.equal(iana.serviceName(443, 'tcp'), 'https');
  assert.equal(iana.serviceName(53, 'udp'), 'domain');
  assert.equal(iana.serviceName(22, 'tcp'), 'ssh');
  assert.equal(iana.serviceName(1194, 'udp'), 'openvpn');
  assert.equal(iana.serviceName(51820, 'udp'), null);
});

test('the IANA parser skips comments, headers and malformed rows', () => {
  const r = parseIanaCsv(
    '# c\nport,transport,service\n80,tcp,http\n80,tcp,www\nx,tcp,bad\n70000,udp,big\n7,sctp,echo\n',
  );
  assert.equal(r.serviceName(80, 'tcp'), 'http');
  assert.equal(r.size, 1);
});

test('443/tcp expects TLS: TLS is standard there, HTTP is not', () => {
  const tls = classifyPort(443, 'tcp', 'tls');
  assert.deepEqual(
    { ...tls, expectedProtocols: [...tls.expectedProtocols] },
    {
      port: 443,
      transport: 'tcp',
      ianaService: 'https',
      encryptedExpected: true,
      expectedProtocols: ['tls'],
      standardForSeen: true,
    },
  );
  assert.equal(classifyPort(443, 'tcp', 'http').standardForSeen, false);
  assert.equal(classifyPort(443, 'udp', 'quic').standardForSeen, true);
});

test('protocols off their ports are not standard; registered plaintext ports are', () => {
  assert.equal(classifyPort(8081, 'tcp', 'tls').standardForSeen, false);
  assert.equal(classifyPort(2222, 'tcp', 'ssh').standardForSeen, false);
  assert.equal(classifyPort(80, 'tcp', 'http').standardForSeen, true);
  assert.equal(classifyPort(8080, 'tcp', 'http').standardForSeen, true);
  assert.equal(classifyPort(53, 'udp', 'dns').standardForSeen, true);
  assert.equal(classifyPort(51820, 'udp', 'wireguard').standardForSeen, true);
  assert.equal(classifyPort(51821, 'udp', 'wireguard').standardForSeen, false);
});

test('opaque bytes are standard only where encryption is expected', () => {
  assert.equal(classifyPort(51820, 'udp', null).standardForSeen, true);
  assert.equal(classifyPort(8081, 'tcp', null).standardForSeen, false);
  assert.equal(classifyPort(8081, 'tcp', 'none').standardForSeen, false);
  assert.equal(classifyPort(40000, 'other', null).ianaService, null);
  assert.equal(classifyPort(-1, 'tcp', null).encryptedExpected, false);
});

test('overrides add, replace and remove entries; the table is frozen', () => {
  const table = createPortTable({
    encrypted: [{ port: 8081, transport: 'tcp', protocols: ['tls'], service: 'internal API' }],
    notEncrypted: [{ port: 8443, transport: 'tcp' }],
  });
  assert.equal(classifyPort(8081, 'tcp', 'tls', table).standardForSeen, true);
  assert.equal(classifyPort(8443, 'tcp', 'tls', table).encryptedExpected, false);
  assert.ok(Object.isFrozen(table) && Object.isFrozen(table.entries));
  const empty = createPortTable({ replaceDefaults: true });
  assert.equal(empty.entries.length, 0);
  assert.equal(
    classifyPort(443, 'tcp', 'tls', empty).standardForSeen,
    true,
    'IANA https still counts',
  );
});

test('bad overrides are refused once, all issues listed', () => {
  assert.throws(
    () =>
      createPortTable({
        encrypted: [
          { port: 70_000, transport: 'tcp', protocols: ['tls'] },
          { port: 1, transport: 'sctp' as 'tcp', protocols: [] },
        ],
        notEncrypted: [{ port: 1.5, transport: 'udp' }],
      }),
    (error: unknown) => {
      assert.ok(error instanceof FeaturesError);
      assert.equal(error.code, 'FEATURES_PORTS_INVALID');
      assert.deepEqual(
        error.issues.map((i) => i.path),
        [
          'ports.encrypted[0].port',
          'ports.encrypted[1].transport',
          'ports.encrypted[1].protocols',
          'ports.notEncrypted[0].port',
        ],
      );
      return true;
    },
  );
});

test('the committed IANA snapshot is what the generator makes from the pinned package', () => {
  const tool = fileURLToPath(new URL('../../tools/generate-iana-services.ts', import.meta.url));
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', tool, '--check'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(result.status, 0, result.stderr + result.stdout);
});
