/**
 * A pass-through HTTP proxy between schemathesis and the API that remembers every request
 * still waiting for its answer. When the API stops answering (a request that blocks its
 * event loop, or a crash), the oldest of these is the request that did it, and `npm run fuzz`
 * can say exactly which one — schemathesis itself only reports timeouts, long after.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY_KEEP = 4096;

export interface InFlight {
  id: number;
  method: string;
  url: string;
  contentType?: string;
  body: string;
  bodyTruncated: boolean;
  startedAt: number;
}

export interface RecordingProxy {
  port: number;
  /** Requests sent on to the API and not answered yet, oldest first. */
  inFlight(): InFlight[];
  /** Answers so far by `METHOD /template` and status code; cleared by taking them. */
  takeStatuses(): Record<string, Record<string, number>>;
  close(): Promise<void>;
}

export function startRecordingProxy(targetPort: number, templates: string[], targetHost = '127.0.0.1'): Promise<RecordingProxy> {
  const pending = new Map<number, InFlight>();
  const match = operationMatcher(templates);
  let statuses: Record<string, Record<string, number>> = {};
  const count = (method: string, url: string, status: number | string): void => {
    const op = match(method, url) ?? `${method} (no operation)`;
    const byStatus = (statuses[op] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;

  const server = http.createServer((req, res) => {
    const entry: InFlight = {
      id: ++next,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      contentType: req.headers['content-type'],
      body: '',
      bodyTruncated: false,
      startedAt: Date.now(),
    };
    pending.set(entry.id, entry);
    const chunks: Buffer[] = [];
    let kept = 0;
    const upstream = http.request(
      { host: targetHost, port: targetPort, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        count(entry.method, entry.url, up.statusCode ?? 502);
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
        up.pipe(res);
        up.once('end', () => pending.delete(entry.id));
        up.once('error', () => pending.delete(entry.id));
      },
    );
    upstream.once('error', (e) => {
      pending.delete(entry.id);
      count(entry.method, entry.url, 'no answer');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fuzz proxy: the API did not answer: ${e.message}\n`);
      } else {
        res.destroy();
      }
    });
    // When schemathesis gives up on a request the entry stays: the API is still busy with it.
    req.on('data', (d: Buffer) => {
      if (kept < BODY_KEEP) {
        chunks.push(d.subarray(0, BODY_KEEP - kept));
        kept += Math.min(d.length, BODY_KEEP - kept);
      } else {
        entry.bodyTruncated = true;
      }
      entry.body = Buffer.concat(chunks).toString('utf8');
    });
    req.pipe(upstream);
  });
  // Whatever the API's own parser would refuse, refuse the same way rather than crash.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        inFlight: () => [...pending.values()].sort((a, b) => a.startedAt - b.startedAt),
        takeStatuses: () => {
          const out = statuses;
          statuses = {};
          return out;
        },
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            agent.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** `METHOD /template` of the OpenAPI operation a request path belongs to (schemathesis' operation name). */
export function operationMatcher(templates: string[]): (method: string, url: string) => string | null {
  const compiled = templates
    .map((t) => ({
      t,
      params: (t.match(/\{[^}]+\}/g) ?? []).length,
      re: new RegExp(`^${t.split(/\{[^}]+\}/).map((x) => x.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`),
    }))
    .sort((a, b) => a.params - b.params); // a fixed path wins over a template (/v1/calendar/deadline vs /{year})
  return (method, url) => {
    const p = url.split('?')[0]!;
    const hit = compiled.find((c) => c.re.test(p));
    return hit ? `${method.toUpperCase()} ${hit.t}` : null;
  };
}

export function operationOf(method: string, url: string, templates: string[]): string | null {
  return operationMatcher(templates)(method, url);
}

/** A curl command that sends the same request again, to $api with $TOKEN (README's conventions). */
export function curlOf(r: InFlight, withToken: boolean): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const parts = ['curl', '-sS', '-m', '10', '-X', r.method];
  if (withToken) parts.push('-H', '"authorization: Bearer $TOKEN"');
  if (r.contentType) parts.push('-H', q(`content-type: ${r.contentType}`));
  if (r.body) parts.push('--data-binary', q(r.body));
  parts.push(`"$api"${q(r.url)}`);
  return parts.join(' ');
}
