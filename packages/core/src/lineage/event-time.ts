/**
 * OpenLineage `eventTime` parsing, lenient the way Marquez is: a timestamp without a zone is
 * read as UTC, and any number of fractional digits is accepted (nanoseconds are truncated to
 * milliseconds). The raw string is kept in the stored event; only the normalised value is used
 * for ordering and partitioning.
 */
const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,12}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  // 2000 is a leap year and 2001 is not: borrow whichever matches
  return new Date(Date.UTC(isLeap(year) ? 2000 : 2001, month, 0)).getUTCDate();
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function offsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 18 || m > 59) return null;
  return sign * (h * 60 + m);
}

/** Already in the normal form: most integrations send `toISOString()` output. */
const NORMAL_RE = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** ISO-8601 UTC with milliseconds (`2020-12-28T09:52:00.001Z`), or null when the text is not a timestamp. */
export function normalizeEventTime(text: string): string | null {
  // fast path: a text in the normal form that round-trips through Date unchanged is its own
  // normal form (a day past the month's end or a leap second does not round-trip: full parse below)
  if (NORMAL_RE.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === text) return text;
  }
  const m = TIME_RE.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  const offset = offsetMinutes(m[8]);
  if (offset === null) return null;
  const d = new Date(0);
  // setUTCFullYear avoids Date.UTC's mapping of years 0–99 to 1900–1999
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offset, second, millis);
  const y = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || y < 1000 || y > 9999) return null;
  return d.toISOString();
}
