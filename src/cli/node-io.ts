// Wires the CLI to the real process: files, stdin, stdout and the Node evidence source.
import { readFile } from 'node:fs/promises';
import type { CliIo } from './main.ts';
import { loadConfig } from '../config/config.ts';
import { chooseEvidence } from '../runtime/node/server.ts';
import { readFileSync } from 'node:fs';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function nodeCliIo(env: Record<string, string | undefined>): CliIo {
  return {
    readInput: (path) => (path === '-' ? readStdin() : readFile(path, 'utf8')),
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    evidence: async ({ context }) => {
      const config = loadConfig(env, (p) => readFileSync(p, 'utf8'));
      const { source, demo, close } = await chooseEvidence(config, env, context ? { context } : {});
      if (demo) process.stderr.write(`no cluster is configured: reading the ${source.description}\n`);
      // The CLI is one-shot: release the demo API server once the process has printed its answer.
      process.once('beforeExit', () => void close());
      return { openSession: () => source.session({ signal: AbortSignal.timeout(config.KUBETRIAGE_DEADLINE_MS) }), evidenceDescription: source.description };
    },
  };
}
