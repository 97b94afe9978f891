/**
 * PII and secret masking for logs, Slack texts, the timeline and exports (runbook §6: "logs
 * without PII, masking mandatory"). Pure string functions, no I/O: the logging adapter applies
 * them to every record, use cases to every text they store or post.
 */
export { maskPersonalData, maskUrlCredentials, REDACTED } from './text';
export { maskDeep } from './deep';
export {
  compileMaskingPattern,
  configureMasking,
  MaskingPatternError,
  type MaskingPatternSpec,
} from './custom-patterns';
