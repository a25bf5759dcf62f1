import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classDataSharing } from './cds.js';
import { parseJavaBuild } from './java.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infra-cds-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function flagPath(flags: readonly string[], option: string): string {
  const flag = flags.find((f) => f.startsWith(`-XX:${option}=`));
  assert.ok(flag, `expected -XX:${option} in ${flags.join(' ')}`);
  return flag.slice(`-XX:${option}=`.length);
}

describe('class data sharing archives', () => {
  it('reads the exact JVM build as a file-name-safe key', () => {
    const banner =
      'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)\n';
    assert.equal(parseJavaBuild(banner), '17.0.15+6-Debian-1deb12u1');
    assert.equal(parseJavaBuild('Runtime (build 21/beta x)'), '21_beta_x');
    assert.equal(parseJavaBuild('no build here'), undefined);
  });

  it('records on a first clean run, maps the archive afterwards, never keeps a killed one', async () => {
    const killed = await classDataSharing(dir, 'broker');
    const killedPending = flagPath(killed.flags, 'ArchiveClassesAtExit');
    await writeFile(killedPending, 'half an archive');
    await killed.keep('SIGKILL', true);
    assert.deepEqual(readdirSync(dir), [], 'a SIGKILLed dump must not be kept');

    const neverReady = await classDataSharing(dir, 'broker');
    await writeFile(flagPath(neverReady.flags, 'ArchiveClassesAtExit'), 'few classes');
    await neverReady.keep(143, false);
    assert.deepEqual(readdirSync(dir), []);

    const first = await classDataSharing(dir, 'broker');
    await writeFile(flagPath(first.flags, 'ArchiveClassesAtExit'), 'classes');
    await first.keep(143, true);
    const [archive, ...rest] = readdirSync(dir);
    assert.deepEqual(rest, []);
    assert.match(archive ?? '', /^broker-.+\.jsa$/);

    const later = await classDataSharing(dir, 'broker');
    assert.equal(flagPath(later.flags, 'SharedArchiveFile'), join(dir, archive ?? ''));
    await later.keep(143, true);
    assert.ok(existsSync(join(dir, archive ?? '')));
  });

  it('can be switched off', async () => {
    const off = await classDataSharing(dir, 'broker', { OPAQUEFLOW_JAVA_CDS: '0' });
    assert.deepEqual(off.flags, []);
  });
});
