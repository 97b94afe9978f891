import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileTemplate, TemplateSyntaxError } from '../../templates/handlebars-engine';
import { escapeMarkdown } from '../../templates/markdown-text';
import { markdownModel, sampleDocument } from '../../templates/postmortem-markdown';
import { PostmortemRenderer } from '../../src/adapters/templates/postmortem-renderer';

const model = markdownModel(sampleDocument(), 'Europe/Madrid');

describe('post-mortem template', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pm-template-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the default draft: SLA table, timeline in the configured zone, Mermaid gantt, people markers', () => {
    const doc = { ...sampleDocument(), title: 'Pagos *caídos* | <script>' };
    const md = new PostmortemRenderer('Europe/Madrid', undefined).render(doc).markdown;
    expect(md.split('\n')[0]).toBe('<!-- tenantops:postmortem INC-1 v1 -->');
    expect(md).toContain('# Post-mortem INC-1: Pagos \\*caídos\\* \\| \\<script\\>');
    expect(md).toContain(
      '| customer update | 2026-01-05 11:00:00 +01:00 | 2026-01-05 11:00:00 +01:00 | 2026-01-05 12:00:00 +01:00 | 1h |',
    );
    expect(md).toContain('```mermaid\ngantt');
    expect(md).toContain('Declared to resolved :p1, 2026-01-05 11:00:00, 2026-01-05 12:00:00');
    expect(md).toContain('| 2026-01-05 11:00:00 +01:00 | @U0SAMPLE | declared | Declared |');
    expect(md).toContain(
      '<!-- people:root_cause -->\n_To be written: What made this happen?_\n<!-- /people:root_cause -->',
    );
    expect(md).toContain('Post-mortem due | Monday 2026-01-05 12:00 +01:00');
  });

  it('labels an interim draft', () => {
    const md = new PostmortemRenderer('UTC', undefined).render({
      ...sampleDocument(),
      interim: true,
      state: 'acknowledged',
    }).markdown;
    expect(md).toContain('**INTERIM DRAFT** — INC-1 is still acknowledged.');
  });

  it('names the line of a syntax error', () => {
    const broken = 'ok\n{{#each timeline}}\n{{at}}\n';
    expect(() => compileTemplate(broken, 'x.hbs', model)).toThrow(TemplateSyntaxError);
    expect(() => compileTemplate(broken, 'x.hbs', model)).toThrow(/x\.hbs line 4: Parse error/);
    expect(() => compileTemplate('a\n{{shell "rm -rf /"}}', 'y.hbs', model)).toThrow(
      /y\.hbs line 2: Missing helper: "shell"/,
    );
  });

  it('cannot reach prototypes or run code', () => {
    const t = compileTemplate(
      '{{constructor.constructor}}|{{title.constructor.name}}|{{#with title}}{{lookup this "constructor"}}{{/with}}|{{__proto__}}',
      'z.hbs',
      model,
    );
    expect(t.render(model)).toBe('|||');
  });

  it('keeps the last good template while the file has a syntax error, and says which line', async () => {
    const file = path.join(dir, 'custom.md.hbs');
    await writeFile(file, '{{marker}}\nCustom draft of {{ref}}\n');
    const problems: string[] = [];
    const renderer = new PostmortemRenderer('UTC', file, (err) => problems.push(err.message));
    expect(renderer.render(sampleDocument()).markdown).toContain('Custom draft of INC-1');
    await writeFile(file, '{{marker}}\nBroken {{#if ref}}\n');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const out = renderer.render(sampleDocument());
    expect(out.markdown).toContain('Custom draft of INC-1');
    expect(out.problem).toMatch(/custom\.md\.hbs line 3: Parse error.*using its last good version/);
    expect(problems).toHaveLength(1);
  });

  it('falls back to the shipped template when the configured one never compiled', async () => {
    const file = path.join(dir, 'bad.md.hbs');
    await writeFile(file, 'line one\n{{/if}}\n');
    const renderer = new PostmortemRenderer('UTC', file);
    const out = renderer.render(sampleDocument());
    expect(out.markdown).toContain('# Post-mortem INC-1: Sample');
    expect(out.problem).toMatch(
      /bad\.md\.hbs line 2: .* using .*postmortem\.md\.hbs until it is fixed/,
    );
  });
});

describe('escapeMarkdown', () => {
  it('escapes what would format, link or break a table, and block starts', () => {
    expect(escapeMarkdown('a*b_c `d` [e](f) <g> h|i ~j~')).toBe(
      'a\\*b\\_c \\`d\\` \\[e\\](f) \\<g\\> h\\|i \\~j\\~',
    );
    expect(escapeMarkdown('# not a heading\nsecond line')).toBe('\\# not a heading second line');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
  });
});
