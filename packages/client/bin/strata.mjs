#!/usr/bin/env node
// The `strata` command. The sources are TypeScript run through tsx's loader (Node 20.6+), so
// `npx strata …` works from the repository right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { runProcess } = await import('../src/cli/main.ts');
await runProcess();
