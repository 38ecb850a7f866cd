// Starts the real pieces for browser tests: an SMTP server that keeps what it receives, the
// petition server (release build) on a fresh SQLite database with the demo borough, and Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
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

export async function startSmtp({ keep = () => true } = {}) {
  const messages = [];
  // Every email accepted, kept or not; `keep(raw)` says which to parse and keep (parsing is most
  // of what a sink costs, and a benchmark's load generator shares the server's CPU).
  const counted = { received: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        counted.received++;
        const raw = Buffer.concat(chunks);
        if (!keep(raw)) return callback();
        simpleParser(raw).then((m) => { messages.push(m); callback(); }, callback);
      });
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
    received: () => counted.received,
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

/** Runs the server with `env` until /healthz answers; returns the child and its output so far. */
async function spawnServer(env, url) {
  const log = [];
  const child = spawn(binary, ['serve', '--demo'], {
    cwd: root,
    env,
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
  return { child, log };
}

const DAY = 24 * 60 * 60;

export async function startServer(smtpPort, extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'petitions-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = { url, env: serverEnv(dir, port, smtpPort, extraEnv), daysAhead: 0 };
  let running = await spawnServer(server.env, url);
  const earlier = [];
  server.log = () => earlier.join('') + running.log.join('');
  server.stop = async () => {
    if (running.child.exitCode !== null) return;
    running.child.kill('SIGINT');
    await new Promise((r) => running.child.once('exit', r));
  };
  /** Stops the server and starts it again on the same database, keys and port, its clock run
   * `days` ahead of real time (REHEARSAL_DAYS_AHEAD): how a test reaches the end of a window. */
  server.restartDaysAhead = async (days) => {
    await server.stop();
    earlier.push(...running.log);
    server.env = { ...server.env, REHEARSAL_DAYS_AHEAD: String(days) };
    server.daysAhead = days;
    running = await spawnServer(server.env, url);
  };
  /** The whole days the clock must run ahead for the server's time to be `days` past `instant`. */
  server.daysPast = (instant, days) => Math.ceil((instant - Date.now() / 1000) / DAY) + days;
  return server;
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
  const out = execFileSync(binary, ['demo-electors', String(n)], { cwd: root, maxBuffer: 1 << 30 }).toString();
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

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a base32 secret, at `seconds` since the epoch. */
export function totp(secret, seconds = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

export const OFFICER_PASSWORD = 'four random words here';

/** Makes an account with the command line, as the first admin is made; returns its set-up link. */
export function addOfficerAccount(server, email, role) {
  const out = execFileSync(binary, ['officer-account', 'add', email, '--role', role], { cwd: root, env: server.env }).toString();
  const link = out.match(/(http\S+\/officer\/set-up\/\S+)/);
  if (!link) throw new Error(`no set-up link in: ${out}`);
  return link[1];
}

const cookieOf = (r) => (r.headers.get('set-cookie') || '').split(';')[0];

/** Sets an account up from its link over plain HTTP; returns its TOTP secret. */
export async function setUpOverHttp(link) {
  const html = await (await fetch(link)).text();
  const secret = html.match(/data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)</)?.[1];
  if (!secret) throw new Error(`no secret on the set-up page: ${html.slice(0, 2000)}`);
  const body = new URLSearchParams({ password: OFFICER_PASSWORD, password_again: OFFICER_PASSWORD, code: totp(secret) });
  const r = await fetch(link, { method: 'POST', body });
  const page = await r.text();
  if (!page.includes('data-testid="recovery-codes"')) throw new Error(`set-up failed (${r.status}): ${page.slice(0, 3000)}`);
  recoveryCodes.set(secret.replace(/ /g, ''), [...page.matchAll(/<code>([a-z0-9-]{14})<\/code>/g)].map((m) => m[1]));
  return secret.replace(/ /g, '');
}

/** The recovery codes each account was given at set-up, by its TOTP secret. */
export const recoveryCodes = new Map();

/** Signs in over plain HTTP (password, then by default a code of the next time step, which no
 * set-up has used yet); returns the session cookie. */
export async function signInOverHttp(url, email, secret, code = totp(secret, Date.now() / 1000 + 30)) {
  const password = OFFICER_PASSWORD;
  const first = await fetch(`${url}/officer/sign-in`, { method: 'POST', body: new URLSearchParams({ email, password }), redirect: 'manual' });
  if (first.status !== 303) throw new Error(`password step: ${first.status} ${(await first.text()).slice(0, 500)}`);
  const pending = cookieOf(first);
  const second = await fetch(`${url}/officer/sign-in/code`, {
    method: 'POST', body: new URLSearchParams({ code }), headers: { cookie: pending }, redirect: 'manual',
  });
  if (second.status !== 303) throw new Error(`code step: ${second.status} ${(await second.text()).slice(0, 500)}`);
  return cookieOf(second);
}

/** A signed-in officer of `role` on `server`, for tests that read or act on officer pages. */
export async function officer(server, role = 'officer', email = `${role}-${Date.now()}@council.example`) {
  const secret = await setUpOverHttp(addOfficerAccount(server, email, role));
  const cookie = await signInOverHttp(server.url, email, secret);
  return {
    email,
    secret,
    cookie,
    fetch: (path, init = {}) => fetch(`${server.url}${path}`, { redirect: 'manual', ...init, headers: { ...(init.headers || {}), cookie } }),
  };
}

/** A browser context for `server`, with JavaScript on or off, signed in with an officer's
 * session cookie (`name=value`) when one is given. */
export async function browserContext(browser, server, javaScriptEnabled, cookie) {
  const c = await browser.newContext({ javaScriptEnabled });
  if (cookie) {
    const at = cookie.indexOf('=');
    await c.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: server.url, sameSite: 'Strict' }]);
  }
  return c;
}

/** The log's entries as text, read as an observer reads them: the size from the checkpoint,
 * then the entry bundles (each entry a big-endian 16-bit length and its bytes). */
export async function logEntries(server) {
  const cp = await (await fetch(`${server.url}/log/checkpoint`)).text();
  const size = Number(cp.split('\n')[1]);
  const entries = [];
  for (let n = 0; n * 256 < size; n++) {
    const full = (n + 1) * 256 <= size;
    const name = String(n).padStart(3, '0');
    const path = `/log/tile/entries/${name}${full ? '' : `.p/${size - n * 256}`}`;
    const bundle = Buffer.from(await (await fetch(`${server.url}${path}`)).arrayBuffer());
    for (let at = 0; at < bundle.length;) {
      const length = bundle.readUInt16BE(at);
      entries.push(bundle.subarray(at + 2, at + 2 + length).toString('latin1'));
      at += 2 + length;
    }
  }
  return entries;
}
