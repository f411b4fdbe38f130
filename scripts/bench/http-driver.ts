// The load generator of bench:api, in its own process so that its CPU is not the API's: reads a
// JSON spec on stdin ({ base, token, concurrency, requests }: requests as the typed client makes
// them, client/index.ts `prepare`, so every one is built against the contract), sends
// every request once through autocannon (one keep-alive connection per caller, one request in
// flight on each: a fixed concurrency), and writes { seconds, lat: number[] } (ms per request,
// autocannon's own timing at full resolution) on stdout. Any non-200 answer, socket error or
// timeout fails the run.
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { apiClient, type PreparedRequest } from '../../client/index.js';

export type Spec = { base: string; token: string; concurrency: number; requests: PreparedRequest[] };

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Spec;

/** Sends `requests` in order, each once, `concurrency` at a time; the latencies of the 200s. */
async function drive(requests: Spec['requests']): Promise<{ seconds: number; lat: number[] }> {
  const lat: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const t0 = performance.now();
  let last = t0;
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: spec.base,
        connections: Math.min(spec.concurrency, requests.length),
        pipelining: 1,
        amount: requests.length,
        timeout: 60,
        sampleInt: 100, // it reports at its next tick; the wall time is taken from the last answer instead
        headers: { authorization: `Bearer ${spec.token}` },
        requests: [
          {
            // Once per request sent (each connection stops at its share of `amount`): every entry goes out once.
            setupRequest: (req) => {
              const r = requests[next++]!;
              const method = r.method as autocannon.Request['method'];
              return r.body === undefined ? { ...req, method, path: r.url } : { ...req, method, path: r.url, body: r.body, headers: { ...req.headers, ...r.headers } };
            },
            onResponse: (status, body) => {
              if (status !== 200 && failures.length < 3) failures.push(`${status} ${body.slice(0, 300)}`);
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode === 200) lat.push(ms);
    last = performance.now();
  });
  const result = await done;
  const seconds = (last - t0) / 1000;
  if (failures.length || result.errors || result.timeouts || lat.length !== requests.length) {
    throw new Error(`${lat.length} of ${requests.length} answered 200 (errors ${result.errors}, timeouts ${result.timeouts}): ${failures.join(' | ')}`);
  }
  return { seconds, lat };
}

// Warm-up: connections and the API's JIT on the reads, not measured.
const reads = spec.requests.filter((r) => r.method === 'GET').slice(0, spec.concurrency);
if (reads.length) await drive(reads);
// The API answers the caller as the contract says: the token works and the inbox is its own.
const { data: inbox, response } = await apiClient(spec.base, { token: spec.token }).GET('/v1/tasks', { params: { query: { limit: 1 } } });
if (!inbox) throw new Error(`GET /v1/tasks as the bench's caller answered ${response.status}`);

const { seconds, lat } = await drive(spec.requests);
process.stdout.write(JSON.stringify({ seconds, lat }));
