/** The worker and the API as child processes of a stack: `node --import tsx <entry>`. */
import path from 'node:path';
import { killTree, sleep, spawnLogged, tailFile, terminate } from './proc.js';
import { APP_ENTRY, projectRoot } from './record.js';

export interface App {
  name: 'api' | 'worker';
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  gone(): boolean;
  /** Why it exited, with its last log lines; undefined while it runs. */
  exitError(): Error | undefined;
  /** SIGKILL to its process group: no graceful shutdown. */
  kill(): Promise<void>;
  /** One SIGTERM, SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns the app in its own process group, logging to <logsDir>/<name>.log; `unexpected` hears of an exit nobody asked for. */
export function spawnApp(name: App['name'], o: { logsDir: string; env: NodeJS.ProcessEnv; echo?: boolean }, unexpected: (app: App) => void): App {
  const logFile = path.join(o.logsDir, `${name}.log`);
  const child = spawnLogged(process.execPath, ['--import', 'tsx', APP_ENTRY[name]], { logFile, env: o.env, cwd: projectRoot, echo: o.echo ? name : undefined });
  if (!child.pid) throw new Error(`could not start the ${name} (${APP_ENTRY[name]})`);
  const pid = child.pid;
  let expected = false;
  let error: Error | undefined;
  let resolveExit = (): void => {};
  const app: App = {
    name,
    pid,
    exited: new Promise<void>((r) => (resolveExit = r)),
    gone: () => child.exitCode !== null || child.signalCode !== null,
    exitError: () => error,
    kill: async () => {
      expected = true;
      killTree(pid, 'SIGKILL');
      await Promise.race([app.exited, sleep(10_000)]);
    },
    stop: async (graceMs = 10_000) => {
      expected = true;
      await terminate(pid, graceMs, true);
    },
  };
  child.once('exit', (code, signal) => {
    error = new Error(`the ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}); last lines of ${logFile}:\n${tailFile(logFile, 2000)}`);
    if (!expected) unexpected(app);
    resolveExit();
  });
  return app;
}
