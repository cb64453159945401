#!/usr/bin/env node
// Runs the TypeScript sources directly (Node >= 22.19 strips types).
import { runCli } from '../src/cli/main.ts';
import { nodeCliIo } from '../src/cli/node-io.ts';

process.exitCode = await runCli(process.argv.slice(2), nodeCliIo(process.env));
