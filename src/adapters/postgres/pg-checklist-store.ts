import type { PoolClient } from 'pg';
import type {
  Checklist,
  ChecklistItem,
  ChecklistKind,
  ItemState,
} from '../../domain/checklists/checklist';
import { Scope } from '../../domain/tenants/scope';
import type { ChecklistStore, NewChecklist } from '../../ports/checklist-store';
import type { Database } from './database';

const MESSAGES = Scope.platform('checklist messages');

interface Row {
  id: string;
  tenant_id: string;
  kind: ChecklistKind;
  requested_by: string;
  items: ChecklistItem[];
  verdict: ItemState;
  created_at: Date;
  updated_at: Date;
  channel_id: string | null;
  thread_ts: string | null;
  message_ts: string | null;
  version: number;
}

const toChecklist = (r: Row): Checklist => ({
  id: Number(r.id),
  tenant: r.tenant_id,
  kind: r.kind,
  requestedBy: r.requested_by,
  items: r.items,
  verdict: r.verdict,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  place: { channel: r.channel_id, threadTs: r.thread_ts, messageTs: r.message_ts },
  version: r.version,
});

async function one(c: PoolClient, where: string, params: unknown[]) {
  const { rows } = await c.query<Row>(`SELECT * FROM tenant_checklists ${where}`, params);
  return rows[0] ? toChecklist(rows[0]) : undefined;
}

/** ChecklistStore on tenantops' Postgres (table tenant_checklists). */
export class PgChecklistStore implements ChecklistStore {
  constructor(private readonly db: Database) {}

  create(scope: Scope, c: NewChecklist): Promise<Checklist> {
    return this.db.scoped(scope, async (tx) => {
      const { rows } = await tx.query<Row>(
        `INSERT INTO tenant_checklists (tenant_id, kind, requested_by, items, verdict, channel_id, thread_ts)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING *`,
        [
          c.tenant,
          c.kind,
          c.requestedBy,
          JSON.stringify(c.items),
          c.verdict,
          c.place.channel,
          c.place.threadTs,
        ],
      );
      return toChecklist(rows[0] as Row);
    });
  }

  get(scope: Scope, id: number): Promise<Checklist | undefined> {
    return this.db.scoped(scope, (c) => one(c, 'WHERE id = $1', [id]));
  }

  change(
    scope: Scope,
    id: number,
    fn: (c: Checklist) => Checklist,
  ): Promise<Checklist | undefined> {
    return this.db.scoped(scope, async (c) => {
      const current = await one(c, 'WHERE id = $1 FOR UPDATE', [id]);
      if (!current) return undefined;
      const next = fn(current);
      const { rows } = await c.query<Row>(
        `UPDATE tenant_checklists SET items = $2::jsonb, verdict = $3, updated_at = $4,
           version = version + 1 WHERE id = $1 RETURNING *`,
        [id, JSON.stringify(next.items), next.verdict, next.updatedAt],
      );
      return toChecklist(rows[0] as Row);
    });
  }

  latest(scope: Scope, tenant: string, kind: ChecklistKind): Promise<Checklist | undefined> {
    return this.db.scoped(scope, (c) =>
      one(c, 'WHERE tenant_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1', [tenant, kind]),
    );
  }

  messagePosted(id: number, ts: string): Promise<Checklist | undefined> {
    return this.db.scoped(MESSAGES, async (c) => {
      await c.query(
        'UPDATE tenant_checklists SET message_ts = $2 WHERE id = $1 AND message_ts IS NULL',
        [id, ts],
      );
      return one(c, 'WHERE id = $1', [id]);
    });
  }
}
