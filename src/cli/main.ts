// The kubetriage CLI: the same diagnose path as POST /v1/diagnose, from a file, stdin, a JSONL
// batch, or a target read from the cluster (or the demo cluster when none is configured).
import { parseArgs } from 'node:util';
import { DIAGNOSE_LABEL_MAPS, parseDiagnoseRequest, type DiagnoseRequest } from '../diagnose/request.ts';
import { diagnoseRequest, type DiagnoseServiceDeps } from '../diagnose/service.ts';
import { checkInputLimits, DEFAULT_INPUT_LIMITS } from '../http/limits.ts';
import { problem } from '../http/problem.ts';
import { renderResponse } from '../render/text.ts';
import { redactDeep } from '../redact/redact.ts';

export interface CliIo {
  readInput(path: string): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Builds the evidence source lazily: only target-only requests need a cluster. */
  evidence(options: { context?: string }): Promise<DiagnoseServiceDeps>;
}

const USAGE = `usage:
  kubetriage diagnose --input FILE|- [--jsonl] [--format json|text]
  kubetriage diagnose KIND/NAME -n NAMESPACE [--container C] [--context CTX] [--format json|text]

  --input FILE|-   a /v1/diagnose request body ({ target?, objects, logs?, alert? }); - reads stdin
  --jsonl          one request per input line, one response per output line; a bad line
                   yields {"line":N,"error":{...problem...}} and the batch goes on
  --format text    for a human: the diagnosis, then the evidence, then the next steps
  KIND/NAME        pod/NAME, deployment/NAME, statefulset/NAME, daemonset/NAME, job/NAME,
                   node/NAME, pvc/NAME, service/NAME: evidence is read from the cluster
                   (KUBECONFIG, ~/.kube/config, in-cluster), else from the demo cluster
`;

const KIND_ALIASES: Record<string, string> = {
  pod: 'Pod', po: 'Pod', pods: 'Pod', deployment: 'Deployment', deploy: 'Deployment', statefulset: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', ds: 'DaemonSet', job: 'Job', node: 'Node', no: 'Node', pvc: 'PersistentVolumeClaim',
  persistentvolumeclaim: 'PersistentVolumeClaim', pv: 'PersistentVolume', service: 'Service', svc: 'Service', replicaset: 'ReplicaSet', rs: 'ReplicaSet',
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        input: { type: 'string', short: 'i' },
        jsonl: { type: 'boolean', default: false },
        format: { type: 'string', default: 'json' },
        namespace: { type: 'string', short: 'n' },
        container: { type: 'string', short: 'c' },
        context: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals[0] !== 'diagnose' || (values.format !== 'json' && values.format !== 'text')) {
    io.stderr(USAGE);
    return 2;
  }
  const print = (unredacted: Parameters<typeof renderResponse>[0]) => {
    const response = redactDeep(unredacted);
    io.stdout(values.format === 'text' ? renderResponse(response) : `${JSON.stringify(response, null, values.jsonl ? 0 : 2)}\n`);
  };
  const lazyDeps = (() => {
    let deps: Promise<DiagnoseServiceDeps> | undefined;
    return () => (deps ??= io.evidence(values.context ? { context: values.context } : {}));
  })();
  const depsFor = async (req: DiagnoseRequest): Promise<DiagnoseServiceDeps> => (req.objects ? {} : lazyDeps());

  const targetArg = positionals[1];
  if (targetArg) {
    const [kindAlias, name] = targetArg.split('/');
    const kind = KIND_ALIASES[kindAlias?.toLowerCase() ?? ''];
    if (!kind || !name) {
      io.stderr(`cannot read target "${targetArg}": use KIND/NAME, e.g. pod/cart-7d9f8b6c5d-x2x9k\n`);
      return 2;
    }
    const body = { target: { kind, name, ...(values.namespace ? { namespace: values.namespace } : {}), ...(values.container ? { container: values.container } : {}) } };
    const req = parseDiagnoseRequest(body);
    if (!req.ok) {
      io.stderr(`${JSON.stringify(req.problem, null, 2)}\n`);
      return 2;
    }
    const result = await diagnoseRequest(req.value, await depsFor(req.value));
    if (!result.ok) {
      io.stderr(`${JSON.stringify(result.problem, null, 2)}\n`);
      return 1;
    }
    print(result.response);
    return 0;
  }

  if (!values.input) {
    io.stderr(`give --input FILE|- or a KIND/NAME target\n${USAGE}`);
    return 2;
  }
  const text = await io.readInput(values.input);
  if (!values.jsonl) {
    const outcome = await diagnoseText(text, depsFor);
    if ('error' in outcome) {
      io.stderr(`${JSON.stringify(outcome.error, null, 2)}\n`);
      return 1;
    }
    print(outcome.response);
    return 0;
  }
  let failures = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const outcome = await diagnoseText(line, depsFor);
    if ('error' in outcome) {
      failures++;
      io.stdout(`${JSON.stringify({ line: i + 1, error: outcome.error })}\n`);
    } else {
      print(outcome.response);
    }
  }
  return failures > 0 ? 1 : 0;
}

async function diagnoseText(text: string, depsFor: (req: DiagnoseRequest) => Promise<DiagnoseServiceDeps>) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: problem('invalid-json', 400, (err as Error).message.slice(0, 200)) };
  }
  // The same input limits as POST /v1/diagnose: deep nesting would overflow the recursive code after.
  const overLimit = checkInputLimits(json, DEFAULT_INPUT_LIMITS, DIAGNOSE_LABEL_MAPS);
  if (overLimit) return { error: overLimit };
  const req = parseDiagnoseRequest(json);
  if (!req.ok) return { error: req.problem };
  try {
    const result = await diagnoseRequest(req.value, await depsFor(req.value));
    return result.ok ? { response: result.response } : { error: result.problem };
  } catch (err) {
    // One bad request must not end a batch; report it on its own line.
    return { error: problem('internal', 500, (err as Error).message.slice(0, 200)) };
  }
}
