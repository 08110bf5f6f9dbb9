import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.sql` file in the directory, in apply order: the set the migration runner reads. */
export function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

/** SHA-256 over every migration's name and content, in apply order. */
export function migrationsHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of migrationFiles(dir)) {
    // NUL separators keep (name, content) pairs unambiguous
    hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
  }
  return hash.digest('hex');
}
