// What the service counts. The interface keeps createApp runtime-neutral: Node and Lambda pass a
// prom-client implementation (prom-metrics.ts); runtimes without one get /metrics answered 501.
export interface Metrics {
  request(route: string, method: string, status: number, seconds: number): void;
  diagnosis(id: string, partial: boolean): void;
  evidenceError(reason: string): void;
  classification(seconds: number): void;
  sinkOutcome(sink: string, outcome: 'delivered' | 'duplicate' | string): void;
  render(): Promise<{ contentType: string; body: string }>;
}
