// A stand-in API process for graceful-close.test.ts: Fastify with the API's closeOnSignal, and
// a close that hangs when HANG_CLOSE is set (an onClose hook that never resolves).
import Fastify from 'fastify';
import { pino } from 'pino';
import { closeOnSignal } from '../../api/server.js';

const log = pino({ level: 'info' });
const app = Fastify({ loggerInstance: log });
if (process.env.HANG_CLOSE) app.addHook('onClose', () => new Promise<void>(() => {}));
app.get('/healthz', async () => ({ status: 'ok' }));
closeOnSignal(app, log, Number(process.env.GRACE_MS));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write('ready\n');
