// The load generator of bench:api, in its own process so that its CPU is not the API's: reads a
// JSON spec on stdin ({ base, token, concurrency, requests: [{ method, url, body? }] }), sends
// the requests over keep-alive HTTP with a fixed number in flight, and writes
// { perSecond, lat: number[] } (ms per request) on stdout. Any non-200 answer fails the run.
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

const send = async (r: Spec['requests'][number]) => {
  const res = await fetch(spec.base + r.url, {
    method: r.method,
    headers: { authorization: `Bearer ${spec.token}`, ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: r.body !== undefined ? JSON.stringify(r.body) : undefined,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${r.method} ${r.url}: ${res.status} ${text.slice(0, 300)}`);
};

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
