/**
 * Every `strata` command, in the order `strata --help` lists them. A new command is a module
 * exporting a `defineCommand(...)` spec, added here.
 */
import type { CommandSpec } from '../framework';
import { migrate } from './migrate';
import { tokens } from './tokens';

export const COMMANDS: readonly CommandSpec[] = [tokens, migrate];
