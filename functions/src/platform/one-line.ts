/**
 * An error as one line for an operator: its message and its cause's (the adapters wrap a
 * driver's `ECONNREFUSED` in a generic "unreachable"), connection strings replaced by `<url>`
 * (they may carry passwords), never a stack.
 */
export function oneLine(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 3; depth++) {
    const err = cur as { message?: unknown; code?: unknown; cause?: unknown };
    const text = typeof err.message === 'string' && err.message ? err.message : typeof err.code === 'string' ? err.code : String(cur);
    // AggregateError (e.g. a host with IPv4 and IPv6 both refused) has an empty message: its code says it
    parts.push(text === '' || text === '[object AggregateError]' ? String(err.code ?? 'error') : text);
    cur = err.cause;
  }
  return parts
    .join(': ')
    .replace(/\w+:\/\/\S+/g, '<url>')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}
