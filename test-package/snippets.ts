/**
 * The code blocks of README.md and docs/*.md, extracted so the package test can compile and run each one
 * against the installed package.
 *
 * A block is run as written unless the line before it is a marker comment:
 * - `<!-- snippet: context=<name> -->`: the block is a fragment inserted into test-package/contexts/<name>.ts
 *   at the line `// SNIPPET` (the context declares what the fragment uses: `fleet`, `quebec`, ...), then run;
 * - `<!-- snippet: fragment -->`: not run (a shape to read, not a program); the report counts them.
 * A ```ts block is compiled with the project's tsconfig and run with node in its own folder, which also
 * holds the repository's reference fleet as `fleet.yaml` and the sample signals as `signals.json`.
 * A ```yaml block that is a whole fleet is synthesized with `cdk8s-k0smos synth`; one that is part of a
 * fleet needs `context=<name>.yaml`, a fleet whose `# SNIPPET` line it replaces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './project';

export interface Snippet {
  /** `README.md:40` */
  readonly where: string;
  readonly lang: 'ts' | 'yaml';
  readonly code: string;
  readonly mode: { readonly kind: 'program' } | { readonly kind: 'context'; readonly context: string } | { readonly kind: 'fragment' };
}

export function docFiles(): string[] {
  const docs = fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

export function extractSnippets(file: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript|yaml|yml)\s*$/.exec(lines[i]!);
    if (!open) {
      if (/^```/.test(lines[i]!)) {
        // skip other blocks (sh, text) whole, so their content is never taken for a fence
        const close = lines.indexOf('```', i + 1);
        i = close < 0 ? lines.length : close;
      }
      continue;
    }
    const close = lines.indexOf('```', i + 1);
    if (close < 0) throw new Error(`${file}:${i + 1}: code block never closed`);
    const code = lines.slice(i + 1, close).join('\n');
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const marker = /^<!-- snippet: (fragment|context=([\w.-]+)) -->$/.exec(lines[j] ?? '');
    const mode = !marker ? { kind: 'program' as const } : marker[1] === 'fragment' ? { kind: 'fragment' as const } : { kind: 'context' as const, context: marker[2]! };
    out.push({ where: `${file}:${i + 1}`, lang: open[1]!.startsWith('y') ? 'yaml' : 'ts', code, mode });
    i = close;
  }
  return out;
}

export function allSnippets(): Snippet[] {
  return docFiles().flatMap((f) => extractSnippets(f, fs.readFileSync(path.join(REPO, f), 'utf8')));
}

/** The source to run: the block itself, or the block inside its context. */
export function sourceOf(s: Snippet): string {
  if (s.mode.kind !== 'context') return s.code;
  if (s.mode.context === 'reference-sites.yaml') {
    // the reference fleet's management and sites (apps/fleet.yaml without its workloads), then the fragment
    const ref = fs.readFileSync(path.join(REPO, 'apps', 'fleet.yaml'), 'utf8');
    const cut = ref.search(/^workloads:/m);
    return `${cut < 0 ? ref : ref.slice(0, cut)}${s.code}\n`;
  }
  const ctx = fs.readFileSync(path.join(REPO, 'test-package', 'contexts', s.lang === 'ts' && !s.mode.context.includes('.') ? `${s.mode.context}.ts` : s.mode.context), 'utf8');
  const marker = s.lang === 'ts' ? '// SNIPPET' : '# SNIPPET';
  if (!ctx.includes(marker)) throw new Error(`context ${s.mode.context} has no '${marker}' line`);
  return ctx.replace(marker, s.code);
}
