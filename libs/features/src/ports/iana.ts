import { readFileSync } from 'node:fs';

/**
 * The IANA service registry snapshot in data/iana-services.csv (see the package README for
 * its source and date), loaded once on first use: a read of ~200 KB that only port
 * classification pays for.
 */
export interface IanaRegistry {
  serviceName(port: number, transport: 'tcp' | 'udp'): string | null;
  readonly size: number;
}

const DATA_URL = new URL('../../data/iana-services.csv', import.meta.url);

let loaded: IanaRegistry | null = null;

export function parseIanaCsv(text: string): IanaRegistry {
  const tcp = new Map<number, string>();
  const udp = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('port,')) continue;
    const [portText, transport, name] = line.split(',');
    const port = Number(portText);
    if (!name || !Number.isInteger(port) || port < 0 || port > 65_535) continue;
    // The registry lists some ports under several names; the first is the primary one.
    if (transport === 'tcp' && !tcp.has(port)) tcp.set(port, name);
    else if (transport === 'udp' && !udp.has(port)) udp.set(port, name);
  }
  return {
    serviceName: (port, transport) => (transport === 'tcp' ? tcp : udp).get(port) ?? null,
    size: tcp.size + udp.size,
  };
}

export function ianaRegistry(): IanaRegistry {
  loaded ??= parseIanaCsv(readFileSync(DATA_URL, 'utf8'));
  return loaded;
}
