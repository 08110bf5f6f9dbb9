/**
 * Every `strata` command, in the order `strata --help` lists them. A new command is a module
 * exporting a `defineCommand(...)` spec, added here.
 */
import type { CommandSpec } from '../framework';
import { bundle } from './bundle';
import { buy } from './buy';
import { demo } from './demo';
import { devChain } from './dev-chain';
import { health } from './health';
import { lineage } from './lineage';
import { listings } from './listings';
import { migrate } from './migrate';
import { policy } from './policy';
import { publish } from './publish';
import { ready } from './ready';
import { tokens } from './tokens';

export const COMMANDS: readonly CommandSpec[] = [publish, listings, ready, bundle, lineage, policy, buy, devChain, demo, health, tokens, migrate];
