import { ErrorCode } from '@slack/web-api';
import { classifySlackError } from '../../src/adapters/queue/slack-delivery-errors';
import {
  burstToleranceMs,
  laneJobId,
  parkDelayMs,
  SLACK_POST_RATE,
  updateDedupId,
} from '../../src/adapters/queue/slack-delivery-jobs';
import { idealSlots } from '../../bench/alerts-storm';

describe('Slack delivery', () => {
  it('waits Retry-After on 429, retries 5xx and network errors, gives up on refusals', () => {
    expect(classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 3 })).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 3000,
    });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 503 })).toEqual({
      kind: 'retry',
      reason: 'HTTP 503',
    });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 404 })).toEqual({
      kind: 'permanent',
      reason: 'HTTP 404',
    });
    expect(classifySlackError({ code: ErrorCode.RequestError, message: 'ECONNRESET' })).toEqual({
      kind: 'retry',
      reason: 'ECONNRESET',
    });
    expect(
      classifySlackError({ code: ErrorCode.PlatformError, data: { error: 'channel_not_found' } }),
    ).toEqual({ kind: 'permanent', reason: 'channel_not_found' });
    expect(
      classifySlackError({ code: ErrorCode.PlatformError, data: { error: 'internal_error' } }),
    ).toEqual({ kind: 'retry', reason: 'internal_error' });
    expect(classifySlackError(new Error('connection terminated'))).toEqual({
      kind: 'retry',
      reason: 'connection terminated',
    });
  });

  it('makes job ids BullMQ accepts (no colon, not all digits)', () => {
    expect(laneJobId('C0INCIDENTS', 12)).toBe('post-C0INCIDENTS-12');
    expect(laneJobId('C0INCIDENTS', 12, '3fa9c01b2e')).toBe('post-C0INCIDENTS-3fa9c01b2e-12');
    expect(updateDedupId('C0X', '1795756218.000015')).toBe('upd-C0X-1795756218_000015');
  });

  it("allows Slack's burst less a safety margin, and parks a post about as long as the ones ahead take", () => {
    expect(burstToleranceMs(SLACK_POST_RATE)).toBe(2 * 1000 - SLACK_POST_RATE.marginMs);
    expect(parkDelayMs(0, SLACK_POST_RATE)).toBe(250);
    expect(parkDelayMs(5, SLACK_POST_RATE)).toBe(5000);
    expect(parkDelayMs(500, SLACK_POST_RATE)).toBe(30_000);
  });

  it('computes the ideal schedule of a GCRA-limited sender (bench reference)', () => {
    expect(idealSlots([0, 0, 0, 0, 0, 5000], 1000, 3)).toEqual([0, 0, 0, 1000, 2000, 5000]);
  });
});
