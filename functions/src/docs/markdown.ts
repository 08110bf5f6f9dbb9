/**
 * docs/api.md: the HTTP contract rendered from the OpenAPI document the server serves, so the
 * repository's copy cannot say anything the routes do not (a test regenerates it and compares).
 * Deterministic: the document's own order, no dates.
 */
export { renderErrorsMarkdown } from './errors-page';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n+/g, ' ')
    .trim();
const anchor = (name: string) => `schema-${name.toLowerCase()}`;
const refName = (ref: string) => ref.split('/').pop()!;

/** A short type label: `string`, `array of Agent`, `"a" \| "b"`, `integer (≥ 1)`. */
export function typeLabel(s: Json | undefined): string {
  if (!s) return 'any';
  if (s.$ref) return `[${refName(s.$ref)}](#${anchor(refName(s.$ref))})`;
  if (s.allOf?.length === 1) return typeLabel(s.allOf[0]);
  for (const k of ['oneOf', 'anyOf'] as const) {
    if (s[k]) return (s[k] as Json[]).map(typeLabel).join(' or ');
  }
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return (s.enum as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const nonNull = types.filter((t) => t !== 'null');
  let base: string;
  if (nonNull[0] === 'array') base = `array of ${typeLabel(s.items)}`;
  else if (nonNull[0] === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object' && Object.keys(s.additionalProperties).length > 0) {
    base = `map of ${typeLabel(s.additionalProperties)}`;
  } else base = nonNull.join(' or ') || 'any';
  const limits: string[] = [];
  if (s.format) limits.push(s.format);
  // a format says it better than the regex zod derives from it
  if (s.pattern && !s.format) limits.push(`pattern \`${s.pattern}\``);
  if (s.minLength !== undefined || s.maxLength !== undefined) limits.push(`length ${s.minLength ?? 0}–${s.maxLength ?? '∞'}`);
  if (s.minimum !== undefined) limits.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) limits.push(`≤ ${s.maximum}`);
  if (s.maxItems !== undefined) limits.push(`at most ${s.maxItems} items`);
  if (s.default !== undefined) limits.push(`default \`${JSON.stringify(s.default)}\``);
  return `${base}${limits.length ? ` (${limits.join(', ')})` : ''}${types.includes('null') ? ', nullable' : ''}`;
}

/** `X or null` → X (nullable fields are labelled by typeLabel; their members still get rows). */
function unwrapNullable(s: Json): Json {
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (!alts) return s;
  const nonNull = alts.filter((a) => a.type !== 'null');
  return nonNull.length === 1 ? nonNull[0]! : s;
}

/** Field rows of an object schema, nested objects flattened with dotted paths (`content.contentHash`). */
function fieldRows(s: Json | undefined, prefix = '', depth = 0): string[] {
  if (!s || s.$ref) return [];
  // an extended schema: allOf [$ref base, {own fields}] — the base's fields are in its own section
  if (s.allOf) return (s.allOf as Json[]).flatMap((member) => fieldRows(member, prefix, depth));
  const obj = s;
  if (!obj.properties) return [];
  const required = new Set<string>(obj.required ?? []);
  const rows: string[] = [];
  for (const [name, raw] of Object.entries(obj.properties as Record<string, Json>)) {
    const path = `${prefix}${name}`;
    const example = raw.example !== undefined && typeof raw.example !== 'object' ? ` Example: \`${raw.example}\`.` : '';
    rows.push(`| \`${path}\` | ${cell(typeLabel(raw))} | ${required.has(name) ? 'yes' : ''} | ${cell(`${raw.description ?? ''}${example}`)} |`);
    const inner = unwrapNullable(raw);
    if (depth < 4) {
      if (inner.properties) rows.push(...fieldRows(inner, `${path}.`, depth + 1));
      else if (inner.type === 'array' && inner.items?.properties) rows.push(...fieldRows(inner.items, `${path}[].`, depth + 1));
    }
  }
  return rows;
}

function fieldTable(s: Json | undefined): string[] {
  const rows = fieldRows(s);
  return rows.length ? ['| field | type | required | description |', '|---|---|---|---|', ...rows, ''] : [];
}

function securityLabel(op: Json, schemes: Json): string {
  const req = op.security as Json[] | undefined;
  if (!req) return '(not stated)';
  if (req.length === 0) return 'none (public)';
  return req
    .map((alt) => {
      const names = Object.keys(alt);
      return names.length === 0 ? 'none (optional)' : names.map((n) => `[${n}](#security-${n.toLowerCase()})${schemes[n]?.name ? ` (\`${schemes[n].name}\`)` : ''}`).join(' + ');
    })
    .join(' or ');
}

function bodySection(title: string, content: Json | undefined): string[] {
  if (!content) return [];
  const out: string[] = [];
  for (const [type, media] of Object.entries(content as Record<string, Json>)) {
    const schema = media.schema as Json | undefined;
    out.push(`${title} \`${type}\`: ${typeLabel(schema)}${schema?.description ? ` — ${cell(schema.description)}` : ''}`, '');
    out.push(...fieldTable(schema));
  }
  return out;
}

function operation(method: string, path: string, op: Json, schemes: Json): string[] {
  const out = [`#### \`${method.toUpperCase()} ${path}\``, '', `**${op.summary ?? ''}**`, ''];
  if (op.description) out.push(op.description, '');
  out.push(`Security: ${securityLabel(op, schemes)}`, '');
  const params = (op.parameters ?? []) as Json[];
  if (params.length) {
    out.push('| parameter | in | type | required | description |', '|---|---|---|---|---|');
    for (const p of params) out.push(`| \`${p.name}\` | ${p.in} | ${cell(typeLabel(p.schema))} | ${p.required ? 'yes' : ''} | ${cell(p.description ?? p.schema?.description ?? '')} |`);
    out.push('');
  }
  if (op.requestBody) out.push(...bodySection(`Request body${op.requestBody.required ? ' (required)' : ''},`, op.requestBody.content));
  out.push('| status | description | body |', '|---|---|---|');
  for (const [status, r] of Object.entries(op.responses ?? {}) as [string, Json][]) {
    const bodies = Object.entries((r.content ?? {}) as Record<string, Json>).map(([t, m]) => `\`${t}\` ${typeLabel(m.schema)}`);
    out.push(`| ${status} | ${cell(r.description)} | ${cell(bodies.join('; '))} |`);
  }
  out.push('');
  return out;
}

/** The Markdown reference of an OpenAPI 3.1 document. */
export function renderApiMarkdown(doc: Json): string {
  const schemes = (doc.components?.securitySchemes ?? {}) as Json;
  const out = [
    `# ${doc.info.title}`,
    '',
    '<!-- Generated by `npm run docs` from the OpenAPI document the server serves at /openapi.json; do not edit. -->',
    '',
    `Version ${doc.info.version} · OpenAPI ${doc.openapi} · interactive at \`/docs\` on a running server · error codes in [errors.md](errors.md)`,
    '',
    doc.info.description ?? '',
    '',
    '## Security schemes',
    '',
  ];
  for (const [name, s] of Object.entries(schemes) as [string, Json][]) {
    out.push(`<a id="security-${name.toLowerCase()}"></a>`, '', `- **${name}** — ${s.type === 'http' ? `HTTP ${s.scheme}` : `${s.type} in ${s.in} \`${s.name}\``}. ${s.description ?? ''}`, '');
  }
  const tags = (doc.tags ?? []) as Json[];
  const byTag = new Map<string, string[]>(tags.map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Json][]) {
    for (const m of METHODS) {
      const op = item[m] as Json | undefined;
      if (!op) continue;
      const tag = (op.tags?.[0] as string | undefined) ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(...operation(m, path, op, schemes));
    }
  }
  out.push('## Operations', '');
  for (const [tag, lines] of byTag) {
    if (lines.length === 0) continue;
    const t = tags.find((x) => x.name === tag);
    out.push(`### ${tag}`, '');
    if (t?.description) out.push(t.description, '');
    out.push(...lines);
  }
  out.push('## Schemas', '');
  for (const [name, s] of Object.entries((doc.components?.schemas ?? {}) as Record<string, Json>)) {
    out.push(`<a id="${anchor(name)}"></a>`, '', `### ${name}`, '');
    if (s.description) out.push(s.description, '');
    const bases = ((s.allOf ?? []) as Json[]).filter((m) => m.$ref).map((m) => typeLabel(m));
    if (bases.length) out.push(`Every field of ${bases.join(' and ')}, and:`, '');
    const table = fieldTable(s);
    out.push(...(table.length ? table : [`Type: ${typeLabel(s)}`, '']));
    if (s.example !== undefined) out.push('Example:', '', '```json', JSON.stringify(s.example, null, 2), '```', '');
  }
  // in the repository the error reference is errors.md, not the server's page
  const text = out.join('\n').replace(/\]\(\/docs\/errors(#[a-z-]+)?\)/g, '](errors.md$1)');
  return `${text.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
