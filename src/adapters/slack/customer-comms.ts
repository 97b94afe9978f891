import { readFileSync } from 'node:fs';
import type { ChatPort } from '../../ports/chat';
import type {
  CustomerComms,
  CustomerMessage,
  CustomerUpdateView,
  SecurityNoticeView,
} from '../../ports/customer-comms';
import { ZonedFormatter } from '../../domain/postmortems/zoned-time';
import { compileTemplate, type CompiledTemplate } from '../../../templates/handlebars-engine';
import { renderCustomerDraft } from '../../../templates/customer-draft';
import { escapeMrkdwn, mention } from '../../../templates/mrkdwn';
import { shippedTemplate } from '../templates/template-file';

function load(name: string, sample: object): CompiledTemplate {
  const file = shippedTemplate(name);
  return compileTemplate(readFileSync(file, 'utf8'), file, sample);
}

/** Customer drafts in the tenants' comms channels, worded by templates/customer-*.hbs. */
export class SlackCustomerComms implements CustomerComms {
  private readonly update: CompiledTemplate;
  private readonly notice: CompiledTemplate;
  private readonly time: ZonedFormatter;

  constructor(
    private readonly chat: ChatPort,
    timezone: string,
  ) {
    this.time = new ZonedFormatter(timezone);
    this.update = load('customer-update.hbs', {
      tenantName: 'x',
      ref: 'INC-1',
      status: 'x',
      impact: 'x',
    });
    this.notice = load('customer-security-notice.hbs', { tenantName: 'x', ref: 'INC-1' });
  }

  updateText(v: CustomerUpdateView): string {
    return this.update.render({
      ref: v.ref,
      tenantName: escapeMrkdwn(v.tenantName),
      status: escapeMrkdwn(v.status),
      impact: escapeMrkdwn(v.impact),
      nextUpdate: v.nextUpdateAt ? this.time.day(v.nextUpdateAt) : null,
    });
  }

  securityNoticeText(v: SecurityNoticeView): string {
    return this.notice.render({
      ref: v.ref,
      tenantName: escapeMrkdwn(v.tenantName),
      whatHappened: escapeMrkdwn(v.whatHappened),
      awareAt: this.time.dateTime(v.awareAt),
      beingDone: escapeMrkdwn(v.beingDone),
      contact: v.contact ? mention(v.contact) : null,
    });
  }

  async post(m: CustomerMessage, tenantName: string): Promise<string> {
    const msg = renderCustomerDraft(m, tenantName);
    return (await this.chat.postMessage({ channel: m.channel, ...msg })).ts;
  }

  async refresh(m: CustomerMessage, tenantName: string): Promise<void> {
    if (!m.ts) return;
    await this.chat.updateMessage({
      channel: m.channel,
      ts: m.ts,
      ...renderCustomerDraft(m, tenantName),
    });
  }
}
