// No Docker engine runs here, so the image cannot be built in the tests. This checks what can be
// checked without one: the Dockerfile's structure (multi-stage, Node 24 bases, numeric non-root
// USER, nothing secret baked in), that everything it copies exists and passes .dockerignore,
// that it runs the bundle its build stage writes (scripts/build-server.ts; that the bundle serves
// from a directory with no node_modules is test/runtime/node-bundle.test.ts), and that it agrees
// with the Kubernetes Deployment, V8's heap caps included.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVER_BUNDLE_DIR } from '../../scripts/build-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'infra/container/Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

interface Instruction {
  op: string;
  args: string;
  /** Index of the stage (FROM) it belongs to; -1 before the first FROM (global ARGs). */
  stage: number;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (!m) throw new Error(`cannot parse: ${full}`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2]!.trim(), stage });
  }
  return out;
}

const INSTRUCTIONS = parseDockerfile(DOCKERFILE);
const stages = INSTRUCTIONS.filter((i) => i.op === 'FROM');
const finalStage = stages.length - 1;
const inFinal = (op: string) => INSTRUCTIONS.filter((i) => i.stage === finalStage && i.op === op);

/** ARG defaults declared before the first FROM, substituted into FROM lines. */
const globalArgs = new Map(
  INSTRUCTIONS.filter((i) => i.op === 'ARG' && i.stage === -1).map((i) => {
    const [name, value = ''] = i.args.split('=');
    return [name!, value];
  }),
);
const baseImage = (from: Instruction) => from.args.split(/\s+/)[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? '');

/** JSON exec form (["a","b"]) → array. */
const execForm = (args: string): string[] => JSON.parse(args) as string[];

/** .dockerignore semantics: patterns in order, the last match wins, a match on a directory covers its contents. */
function dockerignored(path: string): boolean {
  const toRegex = (pattern: string) =>
    new RegExp(`^${pattern.replace(/\/+$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '(?:.*/)?')}(?:/.*)?$`);
  let ignored = false;
  for (const raw of DOCKERIGNORE.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (toRegex(negate ? line.slice(1) : line).test(path)) ignored = !negate;
  }
  return ignored;
}

describe('infra/container/Dockerfile', () => {
  it('is multi-stage, on Node 24 images, with a distroless final stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(baseImage(from), from.args).toMatch(/^(node:24[.\-\w]*|gcr\.io\/distroless\/nodejs24-debian\d+(:[\w.-]+)?)$/);
    expect(baseImage(stages[finalStage]!)).toMatch(/^gcr\.io\/distroless\/nodejs24-debian\d+:nonroot$/);
    // The final stage takes the build stage's output, not a fresh install.
    expect(inFinal('COPY').some((c) => /--from=build\b/.test(c.args))).toBe(true);
    expect(inFinal('RUN'), 'a distroless stage has no shell to RUN anything').toEqual([]);
  });

  it('runs as a numeric non-root user, so runAsNonRoot can verify it', () => {
    const users = inFinal('USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!.args;
    expect(last).toMatch(/^\d+(:\d+)?$/);
    for (const id of last.split(':')) expect(Number(id)).toBeGreaterThan(0);
    // Files copied into the final stage belong to root, so the runtime user cannot modify them.
    for (const c of inFinal('COPY')) expect(c.args).toMatch(/--chown=0:0\b/);
  });

  it('bakes in no secrets', () => {
    const SECRETISH = /TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|API_KEY|PRIVATE|AUTH/i;
    for (const i of INSTRUCTIONS.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
      for (const [, name] of i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)) expect(name, `${i.op} ${i.args}`).not.toMatch(SECRETISH);
      expect(i.args).not.toMatch(new RegExp(`^${SECRETISH.source}`, 'i'));
    }
    expect(INSTRUCTIONS.filter((i) => i.op === 'ADD'), 'ADD can fetch URLs and unpack archives; COPY only copies').toEqual([]);
    for (const c of INSTRUCTIONS.filter((i) => i.op === 'COPY' || i.op === 'RUN')) {
      expect(c.args).not.toMatch(/\.env\b|kubeconfig|\.kube\/|\.pem\b|\.key\b|id_rsa|\.npmrc/);
    }
    // The build context cannot carry them either.
    for (const p of ['.env', '.env.local', 'kubeconfig', '.kube/config', 'tls.key', 'ca.pem', '.npmrc', '.git/config', 'node_modules/x/index.js', '.tools/node', '.wrangler/state', 'src/app.test.ts']) {
      expect(dockerignored(p), p).toBe(true);
    }
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const sources = INSTRUCTIONS.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args)).flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return words.slice(0, -1);
    });
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(existsSync(join(ROOT, s)), s).toBe(true);
      expect(dockerignored(s.replace(/\/$/, '')), s).toBe(false);
    }
    // What the build needs is in the context: the build script and its settings, the entry, the spec, the lock file.
    for (const p of ['scripts/build-server.ts', 'tsconfig.json', 'src/runtime/node/main.ts', 'src/app.ts', 'openapi.yaml', 'examples/demo-cluster/shop.json', 'package.json', 'package-lock.json']) expect(dockerignored(p), p).toBe(false);
  });

  it('builds the server bundle in the build stage and runs it, with nothing else, in the final stage', () => {
    expect(INSTRUCTIONS.filter((i) => i.op === 'ENTRYPOINT'), 'the distroless entrypoint (node) is kept').toEqual([]);
    const build = stages.findIndex((s) => /\sAS\s+build$/i.test(s.args));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(build).toBeLessThan(finalStage);
    const inBuild = (op: string) => INSTRUCTIONS.filter((i) => i.stage === build && i.op === op);
    // The build stage installs from the lock file (esbuild is a dev dependency) and runs the build script.
    expect(inBuild('RUN').some((r) => /\bnpm ci\b/.test(r.args) && !/--omit=dev/.test(r.args))).toBe(true);
    expect(inBuild('RUN').some((r) => /^node scripts\/build-server\.ts$/.test(r.args))).toBe(true);
    expect(inBuild('WORKDIR').at(-1)!.args).toBe('/app');
    // The final stage holds the bundle directory only, at the same path, and runs its main.mjs.
    const copies = inFinal('COPY').map((c) => c.args.split(/\s+/).filter((w) => !w.startsWith('--')));
    expect(copies).toEqual([[`/app/${SERVER_BUNDLE_DIR}`, `/app/${SERVER_BUNDLE_DIR}`]]);
    expect(inFinal('WORKDIR').at(-1)!.args).toBe('/app');
    expect(execForm(inFinal('CMD').at(-1)!.args)).toEqual([`${SERVER_BUNDLE_DIR}/main.mjs`]);
  });

  it('copies every local module the build script imports into the build stage, and the context lets them through', () => {
    // The build stage copies scripts/ file by file: a new import in the build script must come with its COPY.
    const build = stages.findIndex((s) => /\sAS\s+build$/i.test(s.args));
    const copied = INSTRUCTIONS.filter((i) => i.stage === build && i.op === 'COPY').flatMap((c) => c.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
    const needed = new Set<string>();
    const visit = (file: string) => {
      if (needed.has(file)) return;
      needed.add(file);
      for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/^import\s[^'"]*['"](\.{1,2}\/[^'"]+)['"]/gm)) {
        const target = join(dirname(file), m[1]!);
        if (target.startsWith('scripts/')) visit(target);
      }
    };
    visit('scripts/build-server.ts');
    expect([...needed].sort()).toEqual(['scripts/build-server.ts', 'scripts/bundle-common.ts']);
    for (const file of needed) {
      expect(copied.some((src) => src === file || file.startsWith(`${src.replace(/\/$/, '')}/`)), `${file} is copied`).toBe(true);
      expect(dockerignored(file), `${file} reaches the context`).toBe(false);
    }
  });

  it('agrees with the Kubernetes Deployment: user, port, and the preStop node path', () => {
    const deployment = parse(readFileSync(join(ROOT, 'infra/kubernetes/deployment.yaml'), 'utf8'));
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const [uid, gid] = inFinal('USER').at(-1)!.args.split(':').map(Number);
    expect(pod.securityContext.runAsUser).toBe(uid);
    expect(pod.securityContext.runAsGroup).toBe(gid);
    const exposed = inFinal('EXPOSE').map((e) => Number(e.args));
    expect(exposed).toContain(container.ports[0].containerPort);
    // The distroless image has no shell or sleep; its node binary lives at /nodejs/bin/node.
    expect(container.lifecycle.preStop.exec.command[0]).toBe('/nodejs/bin/node');
    expect(baseImage(stages[finalStage]!)).toMatch(/distroless\/nodejs/);
  });

  it('caps V8\'s heap well inside the Deployment\'s memory limit', () => {
    const deployment = parse(readFileSync(join(ROOT, 'infra/kubernetes/deployment.yaml'), 'utf8'));
    const limit = String(deployment.spec.template.spec.containers[0].resources.limits.memory);
    const m = /^(\d+)(Mi|Gi)$/.exec(limit);
    expect(m, `limits.memory ${limit} in Mi or Gi`).not.toBeNull();
    const limitMiB = Number(m![1]) * (m![2] === 'Gi' ? 1024 : 1);
    const env = inFinal('ENV').map((e) => e.args).join(' ');
    const nodeOptions = /\bNODE_OPTIONS="([^"]*)"/.exec(env)?.[1] ?? '';
    const flag = (name: string) => Number(new RegExp(`--${name}=(\\d+)(\\s|$)`).exec(nodeOptions)?.[1]);
    const oldSpace = flag('max-old-space-size');
    const semiSpace = flag('max-semi-space-size');
    expect(oldSpace, 'NODE_OPTIONS sets --max-old-space-size').toBeGreaterThan(0);
    expect(semiSpace, 'NODE_OPTIONS sets --max-semi-space-size').toBeGreaterThan(0);
    // Outside V8's old space the server holds up to about 95 MiB at the peak of a 1000-alert storm
    // (node itself, code, the young generation, buffers: bench/RESULTS.md). An old space larger
    // than what is left would let the kernel OOM-kill the pod before V8 ever collected harder.
    expect(oldSpace + 3 * semiSpace + 100).toBeLessThanOrEqual(limitMiB);
  });
});
