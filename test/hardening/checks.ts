// What every answer of an ingest route must look like, whatever the body: never a 5xx (no sinks
// are configured, so the documented 503 for a failed delivery cannot happen), a client error is
// well-formed problem+json without a stack trace, and a success is JSON. And the process-wide
// watch for promises that reject with nobody listening.
import { expect } from 'vitest';

export interface StatusCounts { [status: number]: number }

const PROBLEM_TYPE = /^urn:kubetriage:problem:[a-z-]+$/;

/** Checks the shape of one problem+json document (a route's error body, or the CLI's error object). */
export function expectProblem(p: unknown, status?: number): void {
  expect(p).toBeTypeOf('object');
  const doc = p as Record<string, unknown>;
  expect(doc['type']).toMatch(PROBLEM_TYPE);
  expect(doc['title']).toBeTypeOf('string');
  expect((doc['title'] as string).length).toBeGreaterThan(0);
  expect(doc['status']).toBeTypeOf('number');
  if (status !== undefined) expect(doc['status']).toBe(status);
  if ('detail' in doc) expect(doc['detail']).toBeTypeOf('string');
  if ('errors' in doc) {
    expect(Array.isArray(doc['errors'])).toBe(true);
    for (const e of doc['errors'] as unknown[]) {
      expect((e as { path: unknown }).path).toBeTypeOf('string');
      expect((e as { message: unknown }).message).toBeTypeOf('string');
    }
  }
  expect(Object.keys(doc).every((k) => ['type', 'title', 'status', 'detail', 'errors'].includes(k))).toBe(true);
  expect(JSON.stringify(doc)).not.toMatch(/\n\s+at |\.ts:\d+/);
}

/** Checks one HTTP answer and counts its status. */
export async function expectWellFormed(res: Response, counts: StatusCounts): Promise<void> {
  counts[res.status] = (counts[res.status] ?? 0) + 1;
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expectProblem(JSON.parse(text), res.status);
  } else {
    expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    expect(() => JSON.parse(text)).not.toThrow();
  }
}

/** Records unhandled rejections and uncaught exceptions while a suite runs. */
export function watchProcess(): { events: unknown[]; stop(): void } {
  const events: unknown[] = [];
  const onRejection = (reason: unknown) => events.push({ unhandledRejection: String((reason as Error)?.stack ?? reason) });
  const onException = (err: unknown) => events.push({ uncaughtException: String((err as Error)?.stack ?? err) });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    events,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}

/** Lets queued callbacks, timers of 0 ms and pending rejections surface before the watch is read. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 50));
