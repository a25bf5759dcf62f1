// Regenerates data/ipfix-elements.csv, the IPFIX information element registries the
// decoder's element table (src/flow-export/elements.ts) is refereed on, from copies that
// Debian packages ship (installed by scripts/bootstrap.sh --test):
//   - IANA's IPFIX Information Elements and their RFC 5103 reverses (PEN 29305):
//     python3-ipfix's iana.iespec and rfc5103.iespec (written by an RFC 5103 author);
//   - CERT's registry (PEN 6871, YAF): libfixbuf-tools' cert_ipfix.xml, with the reverse
//     (bit 14 of the id) of every element it marks reversible.
//   pnpm --filter @opaqueflow/decoders generate:ipfix [--check]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const IPFIX_CSV_PATH = fileURLToPath(new URL('../data/ipfix-elements.csv', import.meta.url));

const IESPEC_DIR = '/usr/lib/python3/dist-packages/ipfix';
const CERT_XML = '/usr/share/libfixbuf/cert_ipfix.xml';
const CERT_PEN = 6871;
const CERT_REVERSE_BIT = 0x4000;

interface Row {
  enterprise: number;
  id: number;
  name: string;
  type: string;
}

function debVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`Debian package ${pkg} is not installed (run scripts/bootstrap.sh --test)`);
  }
}

// name(id)<type>[length] or name(pen/id)<type>[length], one element a line.
const IESPEC_LINE = /^([A-Za-z][A-Za-z0-9]*)\((?:(\d+)\/)?(\d+)\)<([A-Za-z0-9]+)>\[\d+\]$/;

function iespec(file: string): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(`${IESPEC_DIR}/${file}`, 'utf8').split('\n')) {
    const m = IESPEC_LINE.exec(line.trim());
    if (m === null) continue;
    rows.push({ enterprise: Number(m[2] ?? 0), id: Number(m[3]), name: m[1]!, type: m[4]! });
  }
  return rows;
}

function tag(record: string, name: string): string | null {
  return new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(record)?.[1] ?? null;
}

function certXml(): Row[] {
  const rows: Row[] = [];
  for (const [record] of readFileSync(CERT_XML, 'utf8').matchAll(/<record>[\s\S]*?<\/record>/g)) {
    const name = tag(record, 'name');
    const id = tag(record, 'elementId');
    const type = tag(record, 'dataType');
    if (name === null || id === null || type === null) continue;
    if (Number(tag(record, 'cert:enterpriseId') ?? CERT_PEN) !== CERT_PEN) continue;
    rows.push({ enterprise: CERT_PEN, id: Number(id), name, type });
    if (tag(record, 'cert:reversible') === 'true') {
      const reverseName = `reverse${name[0]!.toUpperCase()}${name.slice(1)}`;
      rows.push({
        enterprise: CERT_PEN,
        id: Number(id) | CERT_REVERSE_BIT,
        name: reverseName,
        type,
      });
    }
  }
  return rows;
}

const rows = [...iespec('iana.iespec'), ...iespec('rfc5103.iespec'), ...certXml()];
rows.sort((a, b) => a.enterprise - b.enterprise || a.id - b.id);

const text =
  '# IPFIX information elements: IANA (enterprise 0), RFC 5103 reverse (29305), CERT (6871)\n' +
  `# source: Debian python3-ipfix ${debVersion('python3-ipfix')} (iana.iespec, rfc5103.iespec), ` +
  `libfixbuf-tools ${debVersion('libfixbuf-tools')} (cert_ipfix.xml)\n` +
  '# regenerate with `pnpm --filter @opaqueflow/decoders generate:ipfix`\n' +
  'enterprise,elementId,name,dataType\n' +
  rows.map((r) => `${r.enterprise},${r.id},${r.name},${r.type}`).join('\n') +
  '\n';

if (process.argv.includes('--check')) {
  const current = readFileSync(IPFIX_CSV_PATH, 'utf8');
  if (current !== text) {
    console.error('data/ipfix-elements.csv is stale: run generate:ipfix');
    process.exit(1);
  }
  console.log(`data/ipfix-elements.csv is up to date (${rows.length} rows)`);
} else {
  writeFileSync(IPFIX_CSV_PATH, text);
  console.log(`wrote ${rows.length} rows to ${IPFIX_CSV_PATH}`);
}
