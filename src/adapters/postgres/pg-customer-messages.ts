import type { PoolClient } from 'pg';
import type { NewTimelineEntry, Scope } from '../../ports/incident-store';
import type {
  CommsTenant,
  CustomerMessage,
  CustomerMessageStore,
  CustomerMessageTx,
  NewCustomerMessage,
} from '../../ports/customer-comms';
import type { Database } from './database';
import { insertTimeline } from './pg-incident-store';

interface MessageRow {
  id: string;
  incident_id: string;
  tenant_id: string;
  kind: CustomerMessage['kind'];
  status: CustomerMessage['status'];
  text: string;
  channel_id: string;
  message_ts: string | null;
  created_by: string | null;
  edited_by: string | null;
  sent_at: Date | null;
  sent_by: string | null;
}

function toMessage(r: MessageRow): CustomerMessage {
  return {
    id: Number(r.id),
    incident: Number(r.incident_id),
    tenant: r.tenant_id,
    kind: r.kind,
    status: r.status,
    text: r.text,
    channel: r.channel_id,
    ts: r.message_ts,
    createdBy: r.created_by,
    editedBy: r.edited_by,
    sentAt: r.sent_at,
    sentBy: r.sent_by,
  };
}

class PgCustomerMessageTx implements CustomerMessageTx {
  constructor(private readonly c: PoolClient) {}

  async tenants(incident: number, ids: readonly string[]): Promise<CommsTenant[]> {
    const { rows } = await this.c.query<{
      id: string;
      name: string;
      plan: string;
      comms_channel: string | null;
      next_due: Date | null;
    }>(
      `SELECT t.id, t.name, t.plan, t.comms_channel,
         (SELECT min(c.due_at) FROM sla_clocks c WHERE c.incident_id = $1 AND c.tenant_id = t.id
            AND c.kind IN ('first_response', 'update') AND c.state IN ('pending', 'breached')) AS next_due
       FROM tenants t WHERE t.id = ANY($2) ORDER BY t.id`,
      [incident, ids],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      plan: r.plan,
      commsChannel: r.comms_channel,
      nextDueAt: r.next_due,
    }));
  }

  async insert(m: NewCustomerMessage): Promise<number | undefined> {
    const { rows } = await this.c.query<{ id: string }>(
      `INSERT INTO customer_messages (incident_id, tenant_id, kind, status, text, created_at, created_by, channel_id)
       VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7)
       ON CONFLICT (incident_id, tenant_id) WHERE kind = 'security_notice' DO NOTHING RETURNING id`,
      [m.incident, m.tenant, m.kind, m.text, m.createdAt, m.createdBy, m.channel],
    );
    return rows[0] ? Number(rows[0].id) : undefined;
  }

  async setTs(id: number, ts: string): Promise<void> {
    await this.c.query('UPDATE customer_messages SET message_ts = $2 WHERE id = $1', [id, ts]);
  }

  async find(id: number, opts: { forUpdate?: boolean } = {}): Promise<CustomerMessage | undefined> {
    const { rows } = await this.c.query<MessageRow>(
      `SELECT * FROM customer_messages WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toMessage(rows[0]) : undefined;
  }

  async edit(id: number, text: string, by: string, at: Date): Promise<void> {
    await this.c.query(
      'UPDATE customer_messages SET text = $2, edited_by = $3, edited_at = $4 WHERE id = $1',
      [id, text, by, at],
    );
  }

  async markSent(id: number, by: string, at: Date): Promise<void> {
    await this.c.query(
      `UPDATE customer_messages SET status = 'sent', sent_by = $2, sent_at = $3 WHERE id = $1`,
      [id, by, at],
    );
  }

  async appendTimeline(incident: number, entry: NewTimelineEntry): Promise<void> {
    await insertTimeline(this.c, incident, entry);
  }
}

export class PgCustomerMessageStore implements CustomerMessageStore {
  constructor(private readonly db: Database) {}

  inScope<T>(scope: Scope, fn: (tx: CustomerMessageTx) => Promise<T>): Promise<T> {
    return this.db.scoped(scope, (c) => fn(new PgCustomerMessageTx(c)));
  }
}
