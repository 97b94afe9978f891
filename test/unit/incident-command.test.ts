import { DomainError } from '../../src/domain/errors';
import { parseIncidentCommand } from '../../src/domain/incidents/incident-command';
import { incidentChannelName, parseIncidentRef } from '../../src/domain/incidents/incident';

describe('parsing /incident', () => {
  it.each([
    [
      'declare P1 acme Checkout down',
      { kind: 'declare', severity: 'P1', tenants: ['acme'], title: 'Checkout down' },
    ],
    [
      'declare p2 acme,globex,acme DB slow',
      { kind: 'declare', severity: 'P2', tenants: ['acme', 'globex'], title: 'DB slow' },
    ],
    ['declare', { kind: 'declare_modal' }],
    ['ack INC-4', { kind: 'ack', ref: 4 }],
    ['ack', { kind: 'ack', ref: undefined }],
    [
      'update INC-4 tenant=acme Back to normal',
      { kind: 'update', ref: 4, tenant: 'acme', text: 'Back to normal' },
    ],
    [
      'update still looking',
      { kind: 'update', ref: undefined, tenant: undefined, text: 'still looking' },
    ],
    ['sev inc-4 P3', { kind: 'sev', ref: 4, severity: 'P3' }],
    ['role INC-4 comms <@U0CAROL|carol>', { kind: 'role', ref: 4, role: 'comms', user: 'U0CAROL' }],
    ['tenant add INC-4 globex', { kind: 'tenant_add', ref: 4, tenant: 'globex' }],
    ['resolve INC-4 Rolled back', { kind: 'resolve', ref: 4, summary: 'Rolled back' }],
    ['list acme', { kind: 'list', tenant: 'acme' }],
    ['help', { kind: 'help' }],
  ])('reads %s', (text, expected) => {
    expect(parseIncidentCommand(text)).toEqual(expected);
  });

  it.each([
    ['', 'missing_subcommand'],
    ['explode', 'unknown_subcommand'],
    ['constructor', 'unknown_subcommand'],
    ['declare P0 acme x', 'bad_severity'],
    ['declare P1 ACME! x', 'bad_tenant'],
    ['declare P1 acme', 'missing_title'],
    ['update INC-1', 'missing_text'],
    ['role INC-1 boss <@U1>', 'bad_role'],
    ['role INC-1 comms carol', 'bad_user'],
    ['tenant remove acme', 'bad_subcommand'],
    ['resolve INC-1', 'missing_summary'],
  ])('refuses %j with %s and shows usage', (text, code) => {
    try {
      parseIncidentCommand(text);
      throw new Error('expected a DomainError');
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe(code);
      expect((err as DomainError).message).toMatch(/Usage|Try|\/incident/);
    }
  });

  it('names incident channels inc-<n>-<slug> within Slack limits', () => {
    expect(incidentChannelName(12, 'Checkout: 5xx for ÁCME & Globex!')).toBe(
      'inc-12-checkout-5xx-for-acme-globex',
    );
    expect(incidentChannelName(3, '!!!')).toBe('inc-3');
    expect(incidentChannelName(99999, 'x'.repeat(200)).length).toBeLessThanOrEqual(80);
    expect(parseIncidentRef('INC-0')).toBeUndefined();
    expect(parseIncidentRef('inc-7')).toBe(7);
  });
});
