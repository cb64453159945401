/**
 * Kubernetes API server double for tests and benchmarks (lives in src/demo because `npm start`
 * in demo mode serves the bundled demo cluster snapshot with it).
 */
export * from '../../src/demo/kube-api-server.ts';
export * from '../../src/demo/cluster-snapshot.ts';
