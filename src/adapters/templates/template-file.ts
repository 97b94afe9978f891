import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  compileTemplate,
  TemplateSyntaxError,
  type CompiledTemplate,
} from '../../../templates/handlebars-engine';

/** Finds a file shipped in the repository's `templates/` from here or from `dist/`. */
export function shippedTemplate(name: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'templates', name);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`templates/${name} not found above ${__dirname}`);
}

/**
 * A user-editable template file, re-read when it changes. A version that doesn't compile is
 * reported (file and line) and the last good one keeps working; if the file never compiled, the
 * shipped default does.
 */
export class TemplateFile {
  private good: CompiledTemplate;
  private goodFrom: string;
  private seen = '';
  private error: TemplateSyntaxError | undefined;

  constructor(
    readonly file: string,
    private readonly fallbackFile: string,
    private readonly sample: object,
    private readonly onProblem: (err: TemplateSyntaxError) => void = () => undefined,
  ) {
    this.good = compileTemplate(readFileSync(fallbackFile, 'utf8'), fallbackFile, sample);
    this.goodFrom = fallbackFile;
    this.refresh();
  }

  /** The template to use now, after looking at the file again. */
  current(): CompiledTemplate {
    this.refresh();
    return this.good;
  }

  /** Why the file isn't the template in use, naming its line; undefined when it is. */
  problem(): string | undefined {
    this.refresh();
    if (!this.error) return undefined;
    const used = this.goodFrom === this.file ? 'its last good version' : this.goodFrom;
    return `${this.error.message} — using ${used} until it is fixed`;
  }

  private refresh(): void {
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${st.mtimeMs}/${st.size}`;
    } catch (err) {
      stamp = `missing: ${(err as Error).message}`;
    }
    if (stamp === this.seen) return;
    this.seen = stamp;
    try {
      this.good = compileTemplate(readFileSync(this.file, 'utf8'), this.file, this.sample);
      this.goodFrom = this.file;
      this.error = undefined;
    } catch (err) {
      this.error =
        err instanceof TemplateSyntaxError
          ? err
          : new TemplateSyntaxError(this.file, undefined, (err as Error).message);
      this.onProblem(this.error);
    }
  }
}
