import { commandLabel } from '../../src/main/instrument-bolt';

describe('the command label of tenantops_command_duration_seconds', () => {
  it.each([
    [{ command: '/incident', text: 'ack INC-4' }, '/incident ack'],
    [{ command: '/incident', text: '  DECLARE P1 acme x' }, '/incident declare'],
    [{ command: '/incident', text: 'postmortem INC-4' }, '/incident postmortem'],
    [{ command: '/incident', text: '' }, '/incident'],
    [{ command: '/incident', text: 'drop-table-x1' }, '/incident other'],
    [{ command: '/incident', text: 'constructor' }, '/incident other'],
    [{ command: '/runbook', text: 'run tenant-backup acme' }, '/runbook run'],
    [{ command: '/runbook', text: 'rollback RB-2' }, '/runbook rollback'],
    [{ command: '/tenant', text: 'golive acme' }, '/tenant golive'],
    [{ command: '/tenant', text: 'preflight acme' }, '/tenant preflight'],
    [{ command: '/tenant', text: 'delete acme' }, '/tenant other'],
    [{ command: '/made-up', text: 'list' }, 'other'],
    [{ command: '/toString', text: '' }, 'other'],
    [{ type: 'block_actions' }, 'block_actions'],
    [{ type: 'view_submission' }, 'view_submission'],
    [{ type: 'x'.repeat(30) }, 'other'],
    [{}, 'unknown'],
  ])('%j -> %s', (body, label) => {
    expect(commandLabel(body)).toBe(label);
  });
});
