/**
 * The synthetic RunEvent number `n` of the lineage benchmarks: 997 jobs, 5,000 datasets, one new
 * run per event, one input and one output, event times one second apart.
 */
export function syntheticEvent(n: number) {
  return {
    eventType: 'COMPLETE',
    eventTime: new Date(Date.UTC(2024, 4, 1) + n * 1000).toISOString(),
    producer: 'https://bench.example/producer',
    run: { runId: `bench-run-${n}` },
    job: { namespace: 'ingest', name: `job-${n % 997}` },
    inputs: [{ namespace: 'ingest', name: `t${n % 5000}` }],
    outputs: [{ namespace: 'ingest', name: `t${(n * 7 + 1) % 5000}` }],
  };
}
