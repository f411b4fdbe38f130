// The load generator of bench:api, in its own process so that its CPU is not the API's: reads a
// JSON spec on stdin ({ base, token, concurrency, requests: [{ method, url, body? }] }), sends
// the requests over keep-alive HTTP with a fixed number in flight, and writes
// { perSecond, lat: number[] } (ms per request) on stdout. Any non-200 answer fails the run.
// node:http with a keep-alive agent, not fetch: undici's fetch cost about as much CPU per
// request as the inbox itself, on the same two cores as the API (docs/benchmarks.md).
import http from 'node:http';
import { performance } from 'node:perf_hooks';

interface Spec {
  base: string;
  token: string;
  concurrency: number;
  requests: Array<{ method: 'GET' | 'POST'; url: string; body?: unknown }>;
}

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Spec;

const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
const base = new URL(spec.base);

const send = (r: Spec['requests'][number]) =>
  new Promise<void>((resolve, reject) => {
    const body = r.body !== undefined ? JSON.stringify(r.body) : undefined;
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: r.method,
        path: r.url,
        headers: { authorization: `Bearer ${spec.token}`, ...(body !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else reject(new Error(`${r.method} ${r.url}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

// Warm-up: connections and the API's JIT, not measured.
for (let i = 0; i < Math.min(spec.concurrency, spec.requests.length); i++) {
  const r = spec.requests[i]!;
  if (r.method === 'GET') await send(r);
}

const lat: number[] = [];
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Math.min(spec.concurrency, spec.requests.length) }, async () => {
    while (next < spec.requests.length) {
      const r = spec.requests[next++]!;
      const t = performance.now();
      await send(r);
      lat.push(performance.now() - t);
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ perSecond: spec.requests.length / seconds, lat }));
agent.destroy();
