import type { PostmortemDocument } from '../domain/postmortems/postmortem-view';

/** A rendered draft, and why the configured template wasn't the one used (if it wasn't). */
export interface RenderedDraft {
  markdown: string;
  templateDigest: string;
  /** e.g. "templates/postmortem.md.hbs line 12: Parse error…; the last good template was used". */
  problem?: string;
}

/** Turns a draft into Markdown through the user-editable template (the last good one on errors). */
export interface DraftRenderer {
  render(doc: PostmortemDocument): RenderedDraft;
  /** The configured template's current problem, if any (checked afresh). */
  problem(): string | undefined;
}
