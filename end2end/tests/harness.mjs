// Starts the real pieces for browser tests: an SMTP server that keeps what it receives, the
// petition server (release build) on a fresh SQLite database with the demo borough, and Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = join(root, 'target', 'release', 'petitions');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export async function startSmtp() {
  const messages = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((m) => { messages.push(m); callback(); }, callback);
    },
  });
  // A client that drops the connection (a server killed mid-send) is no reason to stop.
  const errors = [];
  server.on('error', (e) => errors.push(e));
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    messages,
    errors,
    async waitFor(predicate, what, timeoutMs = 20000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const found = messages.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no email ${what} within ${timeoutMs} ms; got: ${messages.map((m) => `${m.to?.text}: ${m.subject}`).join('; ')}`);
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The environment of a server keeping its database and keys in `dir`, on `port`, mailing through `smtpPort`. */
export function serverEnv(dir, port, smtpPort, extraEnv = {}) {
  const url = `http://127.0.0.1:${port}`;
  return {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 'e2e.db')}`,
    SECRET_FILE: join(dir, 'secret.key'),
    LOG_KEY_FILE: join(dir, 'log.key'),
    TALLY_KEY_FILE: join(dir, 'tally.key'),
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    PUBLIC_URL: url,
    LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
    RUST_LOG: 'info',
    ...extraEnv,
  };
}

export async function startServer(smtpPort, extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'petitions-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn(binary, ['serve', '--demo'], {
    cwd: root,
    env: serverEnv(dir, port, smtpPort, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(d.toString()));
  child.stderr.on('data', (d) => log.push(d.toString()));
  const until = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited:\n${log.join('')}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > until) throw new Error(`the server did not start:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    log: () => log.join(''),
    stop: async () => { child.kill('SIGINT'); await new Promise((r) => child.once('exit', r)); },
  };
}

/** A fresh PostgreSQL database on the test server (TEST_POSTGRES_URL), dropped by `drop()`. */
export function createPostgresDatabase() {
  const admin = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `petitions_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [admin, '-q', '-c', `CREATE DATABASE ${name}`]);
  return {
    url: `${admin.slice(0, admin.lastIndexOf('/'))}/${name}`,
    drop: () => execFileSync('psql', [admin, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

/** People on the demo register, as `petitions demo-electors` prints them. */
export function demoElectors(n) {
  const out = execFileSync(binary, ['demo-electors', String(n)], { cwd: root }).toString();
  return out.trim().split('\n').slice(1).map((line) => {
    const m = line.match(/^([^,]+),([^,]+),"([^"]*)",(\S+)$/);
    if (!m) throw new Error(`unexpected line from demo-electors: ${line}`);
    return { name: m[1], postcode: m[2], address: m[3], ward: m[4] };
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
