/**
 * Type-checks `sst.config.ts` and `infra/` against SST's own component types, offline.
 * `sst install` extracts the platform into `.sst/platform` and writes `config.d.ts` (the
 * globals `sst`, `aws`, `cloudflare`, `$config`); tsc then checks every component argument.
 * A deliberately broken copy proves the check rejects wrong component properties.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const configTypes = join(root, '.sst/platform/config.d.ts');
const negativeDir = join(root, '.sst/typecheck-negative');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

// every provider the infra uses must be declared in config.d.ts, or `cloudflare.*` is unknown
const requiredProviders = ['aws', 'cloudflare'];

type Run = { code: number; output: string };

/** Runs a command from the repository root and returns its exit code and combined output. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

function platformReady(): boolean {
  if (!existsSync(configTypes)) return false;
  const types = readFileSync(configTypes, 'utf8');
  return requiredProviders.every((p) => types.includes(`"${p}"?:`));
}

/** Copies the infra into `.sst/typecheck-negative/` with the given edits applied. */
async function brokenCopy(edits: { file: string; from: string; to: string }[]): Promise<void> {
  await rm(negativeDir, { recursive: true, force: true });
  await mkdir(negativeDir, { recursive: true });
  await cp(join(root, 'infra'), join(negativeDir, 'infra'), { recursive: true });
  const config = await readFile(join(root, 'sst.config.ts'), 'utf8');
  await writeFile(
    join(negativeDir, 'sst.config.ts'),
    config.replace('./.sst/platform/config.d.ts', '../platform/config.d.ts'),
  );
  for (const { file, from, to } of edits) {
    const path = join(negativeDir, file);
    const source = await readFile(path, 'utf8');
    if (!source.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
    await writeFile(path, source.replace(from, to));
  }
  await writeFile(
    join(negativeDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../test/infra/tsconfig.json',
      compilerOptions: { tsBuildInfoFile: 'tsbuildinfo' },
      include: ['sst.config.ts', 'infra/**/*.ts'],
    }),
  );
}

describe('SST infrastructure type-check', () => {
  beforeAll(async () => {
    if (platformReady()) return;
    // the Cloudflare provider is opt-in at deploy time; the type-check always wants both
    const install = await run('npx', ['sst', 'install'], {
      SST_STAGE: 'test',
      SST_SKIP_DEPENDENCY_CHECK: '1',
      SST_NO_BUN: '1',
      SST_TELEMETRY_DISABLED: '1',
      STRATA_CLOUDFLARE: '1',
    });
    if (install.code !== 0 || !platformReady()) {
      throw new Error(`sst install failed (exit ${install.code}):\n${install.output}`);
    }
  }, 8 * 60_000);

  it('accepts sst.config.ts and infra/ with the platform types', async () => {
    const result = await run(process.execPath, [tsc, '--noEmit', '-p', 'test/infra/tsconfig.json']);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 5 * 60_000);

  it('rejects a wrong component property (DLQ retry, schedule expression)', async () => {
    await brokenCopy([
      { file: 'infra/queue.ts', from: 'retry: maxReceives', to: "retry: 'three'" },
      { file: 'infra/cron.ts', from: 'schedule: aws,', to: 'schedule: 42,' },
    ]);
    try {
      const result = await run(process.execPath, [tsc, '--noEmit', '-p', join(negativeDir, 'tsconfig.json')]);
      const errors = result.output
        .split('\n')
        .filter((line) => /error TS\d+/.test(line))
        .sort();
      expect(result.code, result.output).not.toBe(0);
      expect(errors, result.output).toEqual([
        expect.stringMatching(/^\.sst\/typecheck-negative\/infra\/cron\.ts\(\d+,\d+\): error TS2322/),
        expect.stringMatching(/^\.sst\/typecheck-negative\/infra\/queue\.ts\(\d+,\d+\): error TS2322/),
      ]);
    } finally {
      await rm(negativeDir, { recursive: true, force: true });
    }
  }, 5 * 60_000);
});
