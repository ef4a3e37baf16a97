// Starts the real hyperconf binary on a free loopback port for one test file.
//
//   const server = await startServer({ config: '[node]\ngrace-period-ms=500\n' });
//   server.wsUrl           // ws://127.0.0.1:<port>/ws
//   await server.stop();   // SIGTERM, asserts a clean exit (code 0)
//
// Environment:
//   HYPERCONF_BIN     path of the built binary (default:
//                     $HC_SOURCE_ROOT/build/src/app/hyperconf)
//   HC_WRAPPER        command prefixed to the binary, e.g.
//                     "valgrind --leak-check=full --error-exitcode=99";
//                     every timeout is then scaled (see timeoutScale)
//   HC_TIMEOUT_SCALE  explicit timeout multiplier (default 1, or 20 with a wrapper)

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const wrapper = (process.env.HC_WRAPPER ?? '').trim().split(/\s+/).filter(Boolean);

// Valgrind slows the server by 20-50x; a fixed 2 s wait would then measure
// valgrind, not the protocol.
export const timeoutScale = Number(process.env.HC_TIMEOUT_SCALE) ||
  (wrapper.length > 0 ? 20 : 1);

/** Scales a timeout in milliseconds for the current wrapper. */
export const ms = (n) => Math.round(n * timeoutScale);

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const LISTENING_RE = /listening on (https?):\/\/(\[[^\]]+\]|[^:/\s]+):(\d+)\//;

// The binary's stderr can be long (valgrind, debug logs): keep the end.
const MAX_STDERR = 256 * 1024;

// Without HYPERCONF_BIN (a run by hand), the binary of the usual build
// directory: <source root>/build/src/app/hyperconf.
function defaultBinary() {
  const root = process.env.HC_SOURCE_ROOT ||
    fileURLToPath(new URL('../../..', import.meta.url));
  const bin = path.join(root, 'build', 'src', 'app', 'hyperconf');
  if (!existsSync(bin)) {
    throw new Error(`HYPERCONF_BIN is not set and ${bin} does not exist ` +
      '(set HYPERCONF_BIN to the built hyperconf binary)');
  }
  return bin;
}

export async function startServer({ config = '', args = [] } = {}) {
  const bin = process.env.HYPERCONF_BIN || defaultBinary();

  const dir = await mkdtemp(path.join(tmpdir(), 'hc-e2e-'));
  const confPath = path.join(dir, 'hyperconf.conf');
  await writeFile(confPath, config);

  const argv = [bin, '--port', '0', '--listen', '127.0.0.1', '--config', confPath, ...args];
  const [cmd, ...cmdArgs] = [...wrapper, ...argv];
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });

  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > MAX_STDERR) stderr = stderr.slice(-MAX_STDERR);
  });

  const exited = new Promise((resolve) => {
    // 'close', not 'exit': it comes after stdout and stderr are drained, so
    // an error report holds all of the server's last words.
    child.on('close', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
  });

  // Wait for the one "hyperconf <version> listening on http://<addr>:<port>/" line.
  const listening = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = LISTENING_RE.exec(stdout);
      if (m) resolve({ scheme: m[1], host: m[2], port: Number(m[3]) });
    });
    exited.then(({ code, signal, error }) => reject(new Error(
      `hyperconf exited before listening (code ${code}, signal ${signal}` +
      `${error ? `, ${error.message}` : ''})`)));
  });

  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(
      `hyperconf did not print its "listening on" line within ${ms(STARTUP_TIMEOUT_MS)} ms`)),
    ms(STARTUP_TIMEOUT_MS));
  });

  let where;
  try {
    where = await Promise.race([listening, timeout]);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    error.message += `\ncommand: ${[cmd, ...cmdArgs].join(' ')}` +
      `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
    throw error;
  } finally {
    clearTimeout(timer);
  }

  const hostPort = `${where.host}:${where.port}`;
  let stopped = false;

  return {
    /** The server's process id (the wrapper's, under HC_WRAPPER). */
    pid: child.pid,
    port: where.port,
    host: where.host,
    httpUrl: `${where.scheme}://${hostPort}/`,
    wsUrl: `${where.scheme === 'https' ? 'wss' : 'ws'}://${hostPort}/ws`,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    /** Bytes of stderr so far: pass to stderrSince() to see one test's share. */
    get stderrMark() { return stderr.length; },
    stderrSince(mark) { return stderr.slice(Math.min(mark, stderr.length)); },

    /** Resolves with {code, signal} once the process has exited. */
    exited,
    get running() { return child.exitCode === null && child.signalCode === null; },
    /** Sends `name` (e.g. 'SIGTERM') to the server and returns at once. */
    signal(name) {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },

    /** SIGTERM, wait, and throw (with stderr) unless the exit was clean. */
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let killTimer;
      const result = await Promise.race([
        exited,
        new Promise((resolve) => {
          killTimer = setTimeout(() => resolve(null), ms(STOP_TIMEOUT_MS));
        }),
      ]);
      clearTimeout(killTimer);
      await rm(dir, { recursive: true, force: true });
      if (result === null) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`hyperconf did not exit within ${ms(STOP_TIMEOUT_MS)} ms of SIGTERM` +
          `\n--- stderr ---\n${stderr}`);
      }
      if (result.code !== 0) {
        throw new Error(`hyperconf exited with code ${result.code}, signal ${result.signal} ` +
          `after SIGTERM (expected code 0)\n--- stderr ---\n${stderr}`);
      }
    },
  };
}
