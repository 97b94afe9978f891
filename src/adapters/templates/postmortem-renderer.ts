import type { PostmortemDocument } from '../../domain/postmortems/postmortem-view';
import type { DraftRenderer, RenderedDraft } from '../../ports/draft-renderer';
import { markdownModel, sampleDocument } from '../../../templates/postmortem-markdown';
import type { TemplateSyntaxError } from '../../../templates/handlebars-engine';
import { shippedTemplate, TemplateFile } from './template-file';

/** Drafts rendered through `postmortem.template` (default templates/postmortem.md.hbs). */
export class PostmortemRenderer implements DraftRenderer {
  private readonly file: TemplateFile;

  constructor(
    private readonly timezone: string,
    templatePath: string | undefined,
    onProblem?: (err: TemplateSyntaxError) => void,
  ) {
    const shipped = shippedTemplate('postmortem.md.hbs');
    this.file = new TemplateFile(
      templatePath ?? shipped,
      shipped,
      markdownModel(sampleDocument(), timezone),
      onProblem,
    );
  }

  render(doc: PostmortemDocument): RenderedDraft {
    const template = this.file.current();
    const problem = this.file.problem();
    const markdown = template.render(markdownModel(doc, this.timezone));
    return { markdown, templateDigest: template.digest, ...(problem ? { problem } : {}) };
  }

  problem(): string | undefined {
    return this.file.problem();
  }
}
