import { isRecord } from './slack-emulator-method';

/**
 * The subset of Block Kit limits that real bots trip over; Slack answers `invalid_blocks`
 * with `response_metadata.messages` in this `[ERROR] ... [json-pointer:...]` shape.
 */
export function blockErrors(blocks: unknown, maxBlocks = 50): string[] {
  if (!Array.isArray(blocks)) return ['[ERROR] must provide an array [json-pointer:/blocks]'];
  const errors: string[] = [];
  if (blocks.length > maxBlocks) {
    errors.push(`[ERROR] no more than ${maxBlocks} items allowed [json-pointer:/blocks]`);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `/blocks/${i}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      errors.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id))
        errors.push(`[ERROR] duplicate block_id [json-pointer:${at}]`);
      blockIds.add(block.block_id);
    }
    errors.push(...checkBlock(block, at));
  });
  return errors;
}

function checkBlock(block: Record<string, unknown>, at: string): string[] {
  switch (block.type) {
    case 'header':
      return textErrors(block.text, `${at}/text`, 150, true);
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        return [`[ERROR] must provide either text or fields [json-pointer:${at}]`];
      }
      const errors = block.text === undefined ? [] : textErrors(block.text, `${at}/text`, 3000);
      if (Array.isArray(block.fields)) {
        if (block.fields.length > 10) errors.push(tooMany(10, `${at}/fields`));
        block.fields.forEach((f, j) => errors.push(...textErrors(f, `${at}/fields/${j}`, 2000)));
      }
      return errors;
    }
    case 'actions':
      return elementErrors(block.elements, `${at}/elements`, 25);
    case 'context':
      return elementErrors(block.elements, `${at}/elements`, 10);
    default:
      return [];
  }
}

function elementErrors(elements: unknown, at: string, max: number): string[] {
  if (!Array.isArray(elements) || elements.length === 0) {
    return [`[ERROR] must provide a non-empty array [json-pointer:${at}]`];
  }
  const errors = elements.length > max ? [tooMany(max, at)] : [];
  elements.forEach((element, i) => {
    if (isRecord(element) && element.type === 'button') {
      errors.push(...textErrors(element.text, `${at}/${i}/text`, 75, true));
    }
  });
  return errors;
}

function textErrors(text: unknown, at: string, max: number, plainOnly = false): string[] {
  if (!isRecord(text) || typeof text.text !== 'string') {
    return [`[ERROR] missing required field: text [json-pointer:${at}]`];
  }
  if (text.type !== 'plain_text' && (plainOnly || text.type !== 'mrkdwn')) {
    return [`[ERROR] must be a valid enum value [json-pointer:${at}/type]`];
  }
  if (text.text.length === 0)
    return [`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`];
  if (text.text.length > max) {
    return [`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}/text]`];
  }
  return [];
}

function tooMany(max: number, at: string): string {
  return `[ERROR] no more than ${max} items allowed [json-pointer:${at}]`;
}
