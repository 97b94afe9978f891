import type { NewTimelineEntry, Scope } from './incident-store';

export type CustomerMessageKind = 'update' | 'security_notice';

/** A customer-facing draft for one tenant, as stored. */
export interface CustomerMessage {
  id: number;
  incident: number;
  tenant: string;
  kind: CustomerMessageKind;
  status: 'draft' | 'sent';
  text: string;
  channel: string;
  ts: string | null;
  createdBy: string | null;
  editedBy: string | null;
  sentAt: Date | null;
  sentBy: string | null;
}

export type NewCustomerMessage = Pick<
  CustomerMessage,
  'incident' | 'tenant' | 'kind' | 'text' | 'channel' | 'createdBy'
> & { createdAt: Date };

/** An affected tenant as customer messages need it. */
export interface CommsTenant {
  id: string;
  name: string;
  plan: string;
  commsChannel: string | null;
  /** When its next customer update is due (its running SLA clock), if one runs. */
  nextDueAt: Date | null;
}

/** One transaction over customer messages, filtered by row-level security to its scope. */
export interface CustomerMessageTx {
  tenants(incident: number, ids: readonly string[]): Promise<CommsTenant[]>;
  /** Stores a draft; undefined when a security notice for that tenant already exists. */
  insert(m: NewCustomerMessage): Promise<number | undefined>;
  setTs(id: number, ts: string): Promise<void>;
  find(id: number, opts?: { forUpdate?: boolean }): Promise<CustomerMessage | undefined>;
  edit(id: number, text: string, by: string, at: Date): Promise<void>;
  markSent(id: number, by: string, at: Date): Promise<void>;
  appendTimeline(incident: number, entry: NewTimelineEntry): Promise<void>;
}

export interface CustomerMessageStore {
  inScope<T>(scope: Scope, fn: (tx: CustomerMessageTx) => Promise<T>): Promise<T>;
}

/** What a customer update says (plain text; the template words it). */
export interface CustomerUpdateView {
  ref: string;
  tenantName: string;
  status: string;
  impact: string;
  nextUpdateAt: Date | null;
}

/** What a security notice needs (the 72 h notice). */
export interface SecurityNoticeView {
  ref: string;
  tenantName: string;
  whatHappened: string;
  awareAt: Date;
  beingDone: string;
  contact: string | null;
}

/** The comms channel side: templates for the customer's words, drafts with Approve / Edit. */
export interface CustomerComms {
  updateText(view: CustomerUpdateView): string;
  securityNoticeText(view: SecurityNoticeView): string;
  /** Posts the draft (Approve / Edit buttons) to its channel; returns the message ts. */
  post(message: CustomerMessage, tenantName: string): Promise<string>;
  /** Shows the draft as it is now (edited, or sent and by whom). */
  refresh(message: CustomerMessage, tenantName: string): Promise<void>;
}
