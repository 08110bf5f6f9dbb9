/**
 * V8 settings of Strata's Node processes (`npm start` and the Lambda entries), applied when this
 * module is imported — each Node entry imports it first — and before any request (ADR 0063).
 *
 * `--no-allocation-site-pretenuring`: V8 learns, per allocation site, whether the objects it makes
 * tend to survive, and then allocates that site's objects straight into the old generation. A
 * server's start-up (migrations, warm-up, bursts of concurrent work) teaches it that for sites
 * whose objects are, in steady state, garbage within one request — node-postgres's query and
 * result objects among them. Such an object, dead but in the old generation, still points at the
 * young rows and strings it was built with, so every young-generation collection keeps them and
 * promotes them: measured on GET /ready at depth 8, 24–29 % of each young generation survived
 * (against under 1 % with this setting), its pauses were 6–13 ms instead of 2–4 ms, and they
 * landed on one request in a hundred — the p99. Without pretenuring the same garbage dies young.
 * The flag is read at every collection, so setting it at run time takes effect (Lambda's
 * NODE_OPTIONS does not accept V8 flags other than a few memory limits).
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags Strata's Node processes run with. */
export const V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

// once per process: a module is evaluated once, however many entries or benchmarks import it
for (const flag of V8_FLAGS) setFlagsFromString(flag);
