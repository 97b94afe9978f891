import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the emulated SaaS behaves: as the README's contract asks (`compliant`), or with one of
 * the faults the probes must catch.
 */
export type SaasBehaviour =
  /** No X-Tenant-ID: 401; an unknown tenant: 404; a known one: its own data only. */
  | 'compliant'
  /** The tenant middleware is missing: without the header it serves every tenant's data. */
  | 'serves_without_header'
  /** The header is read, but a query lacks its tenant filter: every tenant's rows come back. */
  | 'cross_tenant_leak'
  /** The header is enforced, but the path shows nothing that identifies the tenant. */
  | 'no_tenant_in_body'
  | 'server_error'
  /** Accepts the connection and never answers. */
  | 'hang';

/** Per tenant, the rows the emulated API serves (the demo target's customers, say). */
export type TenantData = Record<string, { email: string }[]>;

/** The SaaS's API as the tenant-header probes see it, at `url` + any path. */
export class SaasApiEmulator {
  behaviour: SaasBehaviour = 'compliant';
  /** Every request's X-Tenant-ID (null when absent), in order. */
  readonly seen: (string | null)[] = [];
  private server?: Server;
  private readonly hung: ServerResponse[] = [];

  constructor(private readonly data: TenantData) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.headers['x-tenant-id'];
    const tenant = typeof raw === 'string' && raw !== '' ? raw : null;
    this.seen.push(tenant);
    const everyone = () =>
      Object.entries(this.data).map(([tenant_id, customers]) => ({ tenant_id, customers }));
    switch (this.behaviour) {
      case 'hang':
        this.hung.push(res);
        return;
      case 'server_error':
        return json(res, 503, { error: 'upstream unavailable' });
      case 'serves_without_header':
        if (!tenant) return json(res, 200, { tenants: everyone() });
        break;
      case 'cross_tenant_leak':
        if (!tenant) return json(res, 401, { error: 'X-Tenant-ID required' });
        if (this.data[tenant]) return json(res, 200, { tenant_id: tenant, rows: everyone() });
        break;
      case 'no_tenant_in_body':
        if (!tenant) return json(res, 401, { error: 'X-Tenant-ID required' });
        return json(res, 200, { ok: true });
      case 'compliant':
        break;
    }
    if (!tenant) return json(res, 401, { error: 'X-Tenant-ID required' });
    const rows = this.data[tenant];
    if (!rows) return json(res, 404, { error: 'unknown tenant' });
    json(res, 200, { tenant_id: tenant, customers: rows });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
