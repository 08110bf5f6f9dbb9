/**
 * Served bytes are inert: whatever a producer uploads, a browser must never run it on an origin
 * that also answers the API. Every blob answer carries `nosniff` (the declared type is final), a
 * sandboxing CSP (no script, no same-origin access even if a browser renders it) and
 * `Content-Disposition: attachment` unless the type is on a short list of types that cannot
 * carry script (docs/adr/0043).
 */

/** Types a browser may show inline: none of them can run script (no HTML, SVG, XML or PDF). */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'text/plain',
  'text/csv',
  'application/json',
  'application/x-ndjson',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);

export const BLOB_CSP = "sandbox; default-src 'none'";

/** The media type without parameters, lower case; null when absent. */
export function essence(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  return contentType.split(';')[0]!.trim().toLowerCase() || null;
}

/** True when `contentType` may be shown inline. */
export function isInlineType(contentType: string | null | undefined): boolean {
  const e = essence(contentType);
  return e !== null && INLINE_TYPES.has(e);
}

/** The Content-Disposition a stored object of this type is served with (null: inline). */
export function dispositionFor(contentType: string | null | undefined): string | null {
  return isInlineType(contentType) ? null : 'attachment';
}

/** The headers every blob answer carries, whatever the route or store. */
export function inertHeaders(contentType: string | null | undefined): Record<string, string> {
  const h: Record<string, string> = { 'x-content-type-options': 'nosniff', 'content-security-policy': BLOB_CSP };
  const d = dispositionFor(contentType);
  if (d) h['content-disposition'] = d;
  return h;
}
