/**
 * An expected, non-retryable failure of a domain rule, identified by a stable string `code`
 * that the edges (Slack replies, HTTP 4xx, job runners) translate for the user.
 */
export class DomainError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
