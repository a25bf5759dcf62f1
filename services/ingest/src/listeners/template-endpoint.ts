import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TemplateStore, TemplateSummary } from '@opaqueflow/decoders';

export interface TemplateEndpointOptions {
  /** This replica's templates (FlowExportListeners.templates). */
  readonly templates: () => TemplateSummary[];
  /** The shared store, when configured: its templates are listed too. */
  readonly store?: TemplateStore;
}

interface DomainView {
  protocol: string;
  observationDomain: number;
  templates: TemplateSummary[];
}

/** Templates grouped per exporter, then per (protocol, observation domain). */
export function groupTemplates(
  templates: readonly TemplateSummary[],
): { exporter: string; domains: DomainView[] }[] {
  const byExporter = new Map<string, Map<string, DomainView>>();
  for (const t of templates) {
    let domains = byExporter.get(t.exporter);
    if (domains === undefined) {
      domains = new Map();
      byExporter.set(t.exporter, domains);
    }
    const key = `${t.protocol}|${t.observationDomain}`;
    let d = domains.get(key);
    if (d === undefined) {
      d = { protocol: t.protocol, observationDomain: t.observationDomain, templates: [] };
      domains.set(key, d);
    }
    d.templates.push(t);
  }
  return [...byExporter.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([exporter, domains]) => ({
      exporter,
      domains: [...domains.values()].map((d) => ({
        ...d,
        templates: d.templates.sort((x, y) => x.templateId - y.templateId),
      })),
    }));
}

async function handle(
  options: TemplateEndpointOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/templates') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
    return;
  }
  const exporter = url.searchParams.get('exporter');
  const keep = (t: { readonly exporter: string }) => exporter === null || t.exporter === exporter;
  const local = options.templates().filter(keep);
  let shared: TemplateSummary[] | null = null;
  if (options.store !== undefined) {
    shared = (await options.store.listAll()).filter(keep).map((t) => ({
      protocol: t.protocol,
      exporter: t.exporter,
      observationDomain: t.observationDomain,
      templateId: t.templateId,
      options: t.options,
      scopeFieldCount: t.scopeFieldCount,
      fieldCount: t.fields.length,
      recordLength: t.fields.some((f) => f.length === 65535)
        ? null
        : t.fields.reduce((n, f) => n + f.length, 0),
      fields: t.fields,
      learnedMs: t.learnedMs,
    }));
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      exporters: groupTemplates(local),
      shared: shared === null ? null : groupTemplates(shared),
    }),
  );
}

/** A small HTTP server answering GET /templates[?exporter=addr] with JSON. */
export function createTemplateEndpoint(options: TemplateEndpointOptions): Server {
  return createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err instanceof Error ? err.message : 'unavailable' }));
    });
  });
}
