import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * moto server (Python moto 5.x) on loopback, started by the suite and stopped by its PID. It is an independent
 * emulator of AWS: the differential suite holds the simulation and the controls to what it answers over real HTTP.
 */

export const MOTO_MISSING =
  'moto is not installed: the differential suite (test/moto) needs Python moto 5.x with its server. ' +
  "Install it with: python3 -m pip install 'moto[server]>=5,<6'";

/** moto's version, or undefined when python3 cannot import it. */
export const motoVersion = (): string | undefined => {
  const probe = spawnSync('python3', ['-c', 'import moto, moto.server; print(moto.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

export interface MotoServer {
  endpoint: string;
  pid: number;
  /** Forgets every resource (POST /moto-api/reset): each case starts from an empty account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const waitUntilUp = async (endpoint: string, child: ChildProcess, output: () => string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited (${child.exitCode}): ${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`moto server did not answer on ${endpoint} within 30 s: ${output()}`);
};

/**
 * moto's default account: a call signed with a key moto did not issue acts there (the function's own credentials, the
 * home account); credentials from its AssumeRole act in the role's account.
 */
export const MOTO_HOME_ACCOUNT = '123456789012';

/** Starts moto server on a free loopback port. */
export const startMoto = async (): Promise<MotoServer> => {
  const version = motoVersion();
  if (!version) throw new Error(MOTO_MISSING);
  if (!version.startsWith('5.')) throw new Error(`The differential suite is written against moto 5.x; python3 has moto ${version}`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    // MOTO_ACCOUNT_ID would pin every call to one account, assumed roles included.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'MOTO_ACCOUNT_ID')),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  if (child.pid === undefined) throw new Error('moto server did not start');
  const pid = child.pid;
  await waitUntilUp(endpoint, child, () => stderr);
  return {
    endpoint,
    pid,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(pid, 'SIGTERM');
      }),
  };
};
