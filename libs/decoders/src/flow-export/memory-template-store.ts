import type { StoredTemplate, TemplateStore } from './types.js';

function domainKey(protocol: string, exporter: string, domain: number): string {
  return `${protocol}|${exporter}|${domain}`;
}

/**
 * TemplateStore for one process (tests, the embedded pipeline, several decoders in one
 * process). Bounded: past maxTemplates the oldest written template is dropped.
 */
export class MemoryTemplateStore implements TemplateStore {
  private readonly domains = new Map<string, Map<number, StoredTemplate>>();
  private count = 0;

  constructor(private readonly maxTemplates = 100_000) {}

  get(
    protocol: StoredTemplate['protocol'],
    exporter: string,
    observationDomain: number,
    templateId: number,
  ): Promise<StoredTemplate | undefined> {
    return Promise.resolve(
      this.domains.get(domainKey(protocol, exporter, observationDomain))?.get(templateId),
    );
  }

  put(template: StoredTemplate): Promise<void> {
    const key = domainKey(template.protocol, template.exporter, template.observationDomain);
    let domain = this.domains.get(key);
    if (domain === undefined) {
      domain = new Map();
      this.domains.set(key, domain);
    }
    if (!domain.delete(template.templateId)) this.count++;
    domain.set(template.templateId, template);
    while (this.count > this.maxTemplates) this.dropOldest();
    return Promise.resolve();
  }

  list(
    protocol: StoredTemplate['protocol'],
    exporter: string,
    observationDomain: number,
  ): Promise<StoredTemplate[]> {
    const domain = this.domains.get(domainKey(protocol, exporter, observationDomain));
    return Promise.resolve(domain === undefined ? [] : [...domain.values()]);
  }

  remove(
    protocol: StoredTemplate['protocol'],
    exporter: string,
    observationDomain: number,
    templateId: number | null,
  ): Promise<void> {
    const key = domainKey(protocol, exporter, observationDomain);
    const domain = this.domains.get(key);
    if (domain !== undefined) {
      if (templateId === null) {
        this.count -= domain.size;
        this.domains.delete(key);
      } else if (domain.delete(templateId)) this.count--;
    }
    return Promise.resolve();
  }

  listAll(): Promise<StoredTemplate[]> {
    const out: StoredTemplate[] = [];
    for (const domain of this.domains.values()) out.push(...domain.values());
    return Promise.resolve(out);
  }

  private dropOldest(): void {
    const first = this.domains.entries().next();
    if (first.done === true) {
      this.count = 0;
      return;
    }
    const [key, domain] = first.value;
    const oldest = domain.keys().next();
    if (oldest.done !== true) {
      domain.delete(oldest.value);
      this.count--;
    }
    if (domain.size === 0) this.domains.delete(key);
  }
}
