/**
 * Caps on what one OpenLineage event may carry. They exist so one event can never turn into an
 * unbounded amount of SQL work (inputs × outputs edges) or a body no runtime accepts. Every
 * rejection names the cap and its limit, so a producer can tell which one it hit.
 */
export const OL_LIMITS = {
  /** Serialized UTF-8 size of one event; Marquez's 220 KB `event_large` fixture fits with room. */
  maxEventBytes: 1024 * 1024,
  /** Namespace and name length (Marquez allows 1–1024 for namespaces). */
  maxNameLength: 1024,
  /** run.runId length: UUIDs are 36, txids 64; anything longer is not an identifier. */
  maxRunIdLength: 255,
  /** Datasets per side of one event. */
  maxInputs: 1000,
  maxOutputs: 1000,
  /** inputs × outputs of one event (each pair becomes a dataset → dataset edge). */
  maxEdgesPerEvent: 10_000,
  /** Nesting depth of any JSON value inside an event (keeps walkers and jsonb well away from stack limits). */
  maxJsonDepth: 64,
  /** Events per ingest call (the batch endpoint). */
  maxBatchEvents: 1000,
} as const;

/** Graph query bounds (CONTRACTS: depth 1..OL_QUERY_MAX_DEPTH, default 3). */
export const OL_QUERY_LIMITS = {
  maxDepth: 10,
  defaultDepth: 3,
  defaultMaxNodes: 500,
  maxMaxNodes: 5000,
  maxSearchLimit: 100,
  defaultSearchLimit: 20,
} as const;

/** A readable message for a cap that was exceeded. */
export function capMessage(cap: keyof typeof OL_LIMITS, actual: number): string {
  return `exceeds ${cap}: ${actual} > limit ${OL_LIMITS[cap]}`;
}
