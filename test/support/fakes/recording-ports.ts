// Ports with no storage behind them: a fixed clock, and chat, timers and logs that record calls.
import type { Incident } from '../../../src/domain/incidents/incident';
import type { OutboundMessage } from '../../../src/ports/chat';
import type {
  ChatOutbox,
  DeliveryReceipt,
  LiveMessageSource,
  ReceiptRef,
} from '../../../src/ports/chat-outbox';
import type { Clock } from '../../../src/ports/clock';
import type {
  IncidentNotifier,
  IncidentPlace,
  IncidentPost,
} from '../../../src/ports/incident-notifier';
import type { SecurityRoom } from '../../../src/ports/sla-security-room';
import type { SlaTimer, SlaTimers } from '../../../src/ports/sla-timers';
import type { SlaLog } from '../../../src/app/sla-deps';
import { clone } from './memory-db';

/** A clock that stands still until told otherwise. */
export class FixedClock implements Clock {
  constructor(private at: Date) {}

  now(): Date {
    return new Date(this.at);
  }

  set(at: Date): void {
    this.at = new Date(at);
  }
}

export type NotifierCall =
  | { kind: 'opened'; incident: number; invite: string[] }
  | { kind: 'cardChanged'; incident: number }
  | { kind: 'post'; incident: number; post: IncidentPost }
  | { kind: 'invite'; incident: number; users: string[] };

/** Slack as the incident use cases see it: records each call; channels are `C0INC<n>`. */
export class RecordingNotifier implements IncidentNotifier {
  readonly calls: NotifierCall[] = [];

  /** channel: each incident its own channel; thread: a thread of `sharedChannel`. */
  constructor(
    private readonly mode: 'channel' | 'thread',
    readonly sharedChannel = 'C0INCIDENTS',
  ) {}

  opened(incident: Incident, invite: readonly string[]): Promise<IncidentPlace> {
    this.calls.push({ kind: 'opened', incident: incident.number, invite: [...invite] });
    const ts = `1767225600.${String(incident.number).padStart(6, '0')}`;
    return Promise.resolve(
      this.mode === 'channel'
        ? { channelId: `C0INC${incident.number}`, cardTs: ts }
        : { channelId: this.sharedChannel, threadTs: ts, cardTs: ts },
    );
  }

  cardChanged(incident: Incident): Promise<void> {
    this.calls.push({ kind: 'cardChanged', incident: incident.number });
    return Promise.resolve();
  }

  post(incident: Incident, post: IncidentPost): Promise<void> {
    this.calls.push({ kind: 'post', incident: incident.number, post: clone(post) });
    return Promise.resolve();
  }

  invite(incident: Incident, users: readonly string[]): Promise<void> {
    this.calls.push({ kind: 'invite', incident: incident.number, users: [...users] });
    return Promise.resolve();
  }

  posts(): IncidentPost[] {
    return this.calls.flatMap((c) => (c.kind === 'post' ? [c.post] : []));
  }

  clear(): void {
    this.calls.length = 0;
  }
}

/** Timers kept as a list; the queue is never lost. */
export class RecordingTimers implements SlaTimers {
  readonly ensured: SlaTimer[] = [];
  readonly delivered: SlaTimer[] = [];
  readonly wakes: Date[] = [];

  ensure(timers: readonly SlaTimer[]): Promise<void> {
    this.ensured.push(...clone(timers));
    return Promise.resolve();
  }

  wake(at: Date): Promise<void> {
    this.wakes.push(new Date(at));
    return Promise.resolve();
  }

  deliver(incident: number, at: Date): Promise<void> {
    this.delivered.push({ incident, at: new Date(at) });
    return Promise.resolve();
  }

  lost(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/** The outbox: keeps what was sent and published. */
export class RecordingOutbox implements ChatOutbox {
  readonly sent: { msg: OutboundMessage; receipt?: ReceiptRef }[] = [];
  readonly published: { kind: string; refs: string[]; channel: string }[] = [];
  /** Live messages asked to be edited to their current render. */
  readonly refreshed: { kind: string; ref: string }[] = [];

  register(_kind: string, _source: LiveMessageSource): void {}

  registerReceipt(_kind: string, _receipt: DeliveryReceipt): void {}

  publish(kind: string, refs: readonly string[], channel: string): Promise<void> {
    this.published.push({ kind, refs: [...refs], channel });
    return Promise.resolve();
  }

  refresh(kind: string, ref: string): Promise<void> {
    this.refreshed.push({ kind, ref });
    return Promise.resolve();
  }

  send(msg: OutboundMessage, receipt?: ReceiptRef): Promise<void> {
    this.sent.push({ msg: clone(msg), ...(receipt ? { receipt } : {}) });
    return Promise.resolve();
  }
}

/** The private channel of a security incident: `C0SEC<n>`. */
export class RecordingSecurityRoom implements SecurityRoom {
  readonly opened: { incident: number; invite: string[] }[] = [];

  open(incident: Incident, invite: readonly string[]) {
    this.opened.push({ incident: incident.number, invite: [...invite] });
    return Promise.resolve({ channelId: `C0SEC${incident.number}`, cardTs: '1767225600.900000' });
  }
}

/** Log lines kept by level, so a test can see an error the code logged instead of throwing. */
export class RecordingLog implements SlaLog {
  readonly lines: { level: 'info' | 'warn' | 'error'; obj: object; msg: string }[] = [];

  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }

  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }

  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }

  errors(): string[] {
    return this.lines
      .filter((l) => l.level === 'error')
      .map((l) => `${l.msg}: ${String((l.obj as { err?: unknown }).err)}`);
  }
}
