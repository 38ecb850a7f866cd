// Crash and restart: what a success page promises survives SIGKILL.
//
// People on the demo register sign the county-wide petition through the plain form, read their
// confirmation email from a real SMTP server and press Confirm, several at a time, against the
// release server, while the server is killed with SIGKILL at random moments (0.3-3 s apart, and
// now and then during its start-up) and started again on the same database, keys and mark.
// Requests that die with the server are sent again, as a person would press the button again.
// At the end, on SQLite and then on PostgreSQL, it checks that
//   - everyone who saw "Your signature is counted" or "Your email is confirmed" has exactly one
//     signature, in the state that page said, with the receipt that page showed, and pressing
//     Confirm again says "You have already confirmed"; a confirmation whose answer was lost
//     counts once too; nobody has two signatures, and each is in the log exactly once;
//   - the counters equal the recount (`petitions officer recount`), grew by exactly the number
//     of counted signers, and the signed tally in the log states the same count;
//   - every email in the outbox was sent and reached the SMTP server, each person got one
//     confirmation email and each confirmed signer one thank-you email: the only duplicates
//     are resends of one outbox row with its one Message-ID (the documented at-least-once
//     delivery: a crash after the SMTP server took a message but before the row was marked);
//   - `petition-observer sync` passes on the log, both now and then during the run (with one
//     state, so each check also proves the log extends what was seen before the last crash).
// A mismatch prints the evidence and exits 1; the data folder and server logs are kept.
// SIGKILL ends the process, not the machine: what the kernel had been given survives, so this
// says nothing about losing power (that is the databases' fsync settings).
//
// Needs the release server (`cargo leptos build --release`), the observer (`cargo build
// [--release] -p petition-observer`; the newer of the two is used), the npm packages in
// end2end/, `sqlite3` and `psql`, and PostgreSQL (TEST_POSTGRES_URL, as for the other tests).
//
//   cd end2end && npm run crash                        # the short form run in CI: 20 kills each
//   node crash/crash.mjs --kills 60 --signers 16       # a long form
//   node crash/crash.mjs --db sqlite --kills 200 --signers 32 --think-ms 100
//
// Options: --kills N (kills of a serving server per database, default 20), --signers N (people
// signing at a time, default 8), --people N (at most this many people per database, default as
// many as the kills take, up to 6,000), --think-ms N (each person waits up to this long between
// reading the email and pressing Confirm, default 300), --db sqlite|postgres|both, --seed N
// (the kill timings), --wait-leases (see below), --keep (keep the data folder after a pass).
//
// Clock: a sender holds a batch of outbox rows for 160 s while it sends them, so rows held by a
// killed server go out once that lease runs out. Only before the last start does this script end
// those dead leases in the database (no server is running then, so every lease is dead),
// rather than wait almost three minutes; --wait-leases waits for them instead.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { startSmtp, freePort, serverEnv, binary, createPostgresDatabase, demoElectors, root } from '../tests/harness.mjs';

const { values: opt } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    signers: { type: 'string', default: '8' },
    people: { type: 'string', default: '6000' },
    'think-ms': { type: 'string', default: '300' },
    db: { type: 'string', default: 'both' },
    seed: { type: 'string', default: String(Date.now() % 1000000) },
    'wait-leases': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const KILLS = Number(opt.kills);
const SIGNERS = Number(opt.signers);
// `petitions demo-electors` lists 6,581 people; asked for more it never ends.
const PEOPLE = Math.min(Number(opt.people), 6000);
const THINK_MS = Number(opt['think-ms']);
const SEED = Number(opt.seed);
const BACKENDS = opt.db === 'both' ? ['sqlite', 'postgres'] : [opt.db];
if (!BACKENDS.every((b) => ['sqlite', 'postgres'].includes(b)) || !(KILLS >= 1) || !(SIGNERS >= 1) || !(PEOPLE >= 1)) {
  console.error('usage: node crash/crash.mjs [--kills N] [--signers N] [--people N] [--think-ms N] [--db sqlite|postgres|both] [--seed N] [--wait-leases] [--keep]');
  process.exit(2);
}

const PETITION = 4; // the county-wide petition: every demo elector may sign it
// The observer as last built, release or debug (scripts/test builds the debug one).
const OBSERVER = ['release', 'debug'].map((p) => join(root, 'target', p, 'petition-observer')).filter((f) => existsSync(f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!OBSERVER) {
  console.error('build the observer first: cargo build --release -p petition-observer');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const unescape = (s) => s.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A small seeded generator (mulberry32), so that a run's kill timings can be replayed roughly. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Failure extends Error {}
/** Work given up because the run already failed elsewhere. */
class Abandoned extends Error {}

/** The server, started again and again on one data folder and port. Each run's log is its own file. */
class Server {
  constructor(dir, port, env) {
    Object.assign(this, { dir, port, env, url: `http://127.0.0.1:${port}`, runs: 0, child: null, keys: null });
    this.startMs = [];
  }

  logFile(n) { return join(this.dir, `server-${n}.log`); }

  spawn() {
    this.runs += 1;
    const fd = openSync(this.logFile(this.runs), 'w');
    const child = spawn(binary, ['serve', '--demo'], { cwd: root, env: this.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    this.child = child;
    return child;
  }

  /** Starts the server and waits until it answers /healthz; checks it prints the same keys every time. */
  async start() {
    const began = performance.now();
    const child = this.spawn();
    const until = Date.now() + 120000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Failure(`the server exited at start (run ${this.runs}):\n${this.log(this.runs)}`);
      }
      if ((await get(this.url, '/healthz', 1000).catch(() => null))?.status === 200) break;
      if (Date.now() > until) throw new Failure(`the server did not start (run ${this.runs}):\n${this.log(this.runs)}`);
      await sleep(50);
    }
    this.startMs.push(performance.now() - began);
    const keys = this.log(this.runs).match(/with verifier keys (\S+) and (\S+)/);
    if (!keys) throw new Failure(`run ${this.runs} did not print its verifier keys`);
    if (this.keys && (keys[1] !== this.keys[0] || keys[2] !== this.keys[1])) {
      throw new Failure(`run ${this.runs} has other verifier keys than the first: ${keys[1]} ${keys[2]}`);
    }
    this.keys = [keys[1], keys[2]];
  }

  async kill() {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Failure(`the server (run ${this.runs}) had exited by itself before the kill:\n${this.log(this.runs)}`);
    }
    child.kill('SIGKILL');
    await child.exited;
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const stopped = await Promise.race([child.exited, sleep(20000).then(() => null)]);
    if (!stopped) { child.kill('SIGKILL'); await child.exited; }
  }

  log(n) { return existsSync(this.logFile(n)) ? readFileSync(this.logFile(n), 'utf8') : ''; }
}

// node:http with kept-alive connections: far lighter on the shared CPU than fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(base, method, path, form, timeoutMs = 35000) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const headers = form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) };
    const req = http.request({ host: u.hostname, port: u.port, path, method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(form);
  });
}

function get(base, path, timeoutMs) {
  return request(base, 'GET', path, undefined, timeoutMs);
}

/** The heading of a page. */
const heading = (html) => unescape(html.match(/<h1[^>]*>([^<]*)<\/h1>/)?.[1] ?? '');

/** One database's run: the servers, the surge, the kills, then every check. */
async function run(backend) {
  const began = performance.now();
  // The kill timings come from the seed; the clients' own timing from Math.random.
  const chance = generator(SEED + (backend === 'postgres' ? 1 : 0));
  const smtp = await startSmtp();
  const dir = mkdtempSync(join(tmpdir(), `petitions-crash-${backend}-`));
  const pg = backend === 'postgres' ? createPostgresDatabase() : null;
  const dbUrl = pg ? pg.url : `sqlite://${join(dir, 'e2e.db')}`;
  const port = await freePort();
  const env = serverEnv(dir, port, smtp.port, {
    DATABASE_URL: dbUrl,
    SIGN_PER_IP_PER_MINUTE: '1000000000',
    SIGN_PER_EMAIL_PER_HOUR: '1000',
    RUST_LOG: 'info,petitions::web=warn',
  });
  const server = new Server(dir, port, env);
  const problems = [];
  const problem = (text) => { problems.push(text); console.log(`[${backend}] PROBLEM: ${text}`); };

  /** Rows from the database, as objects (sqlite3 or psql, with no server in between). */
  function query(sql) {
    if (pg) {
      const out = execFileSync('psql', [pg.url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT COALESCE(json_agg(t), '[]') FROM (${sql}) t`], { maxBuffer: 1 << 28 }).toString();
      return JSON.parse(out);
    }
    const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 10000', join(dir, 'e2e.db'), sql], { maxBuffer: 1 << 28 }).toString().trim();
    return out ? JSON.parse(out) : [];
  }
  function execute(sql) {
    if (pg) execFileSync('psql', [pg.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
    else execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(dir, 'e2e.db'), sql]);
  }

  const figures = {
    people: 0, counted: 0, review: 0, lostAnswers: 0, electorHadSigned: 0, kills: 0, startupKills: 0,
    retries: 0, unavailable: 0, parked: 0, observerRuns: 0, observerInterrupted: 0,
    lostSignUps: 0, lostConfirms: 0, confirmedOnRetry: 0,
  };
  const outcome = new Map(); // email -> { person, review, kind, token, page, lost, commit }
  let stopArrivals = false;
  let failed = false;

  /** Sends a request until the server answers it (it may be dead, starting, or die on the way). */
  async function persist(method, path, form, okStatuses, what) {
    const until = Date.now() + 300000;
    let lost = 0;
    for (;;) {
      if (failed) throw new Abandoned();
      let r;
      try {
        r = await request(server.url, method, path, form);
      } catch (e) {
        if (Date.now() > until) throw new Failure(`${what}: no answer for 5 minutes (${e.message})`);
        figures.retries += 1;
        lost += 1;
        await sleep(50 + Math.random() * 200);
        continue;
      }
      if (r.status === 503) {
        // The service said it could not record this: the person tries again a little later.
        figures.unavailable += 1;
        await sleep(200);
        continue;
      }
      if (!okStatuses.includes(r.status)) throw new Failure(`${what}: status ${r.status}: ${heading(r.body)}`);
      return { ...r, lost };
    }
  }

  // Where each person's email went: an index over what the SMTP server received.
  const byRecipient = new Map();
  let indexed = 0;
  function mailTo(address) {
    for (; indexed < smtp.messages.length; indexed++) {
      const m = smtp.messages[indexed];
      const to = m.to?.text ?? '';
      if (!byRecipient.has(to)) byRecipient.set(to, []);
      byRecipient.get(to).push(m);
    }
    return byRecipient.get(address) ?? [];
  }

  const addressLists = new Map(); // postcode -> Map(address -> UPRN)
  async function uprnOf(person) {
    if (!addressLists.has(person.postcode)) {
      const r = await persist('GET', `/petitions/${PETITION}/sign?postcode=${encodeURIComponent(person.postcode)}`, undefined, [200], 'the address list');
      const found = new Map();
      for (const m of r.body.matchAll(/<label for="(address-\d+)">([^<]*)<\/label>/g)) {
        found.set(unescape(m[2]), r.body.match(new RegExp(`<input[^>]*id="${m[1]}"[^>]*value="([^"]+)"`))[1]);
      }
      addressLists.set(person.postcode, found);
    }
    const uprn = addressLists.get(person.postcode).get(person.address);
    if (!uprn) throw new Failure(`the address list at ${person.postcode} lacks ${person.address}`);
    return uprn;
  }

  /** One person: sign, wait for the email, confirm. Every tenth says their address is not listed (review). */
  async function person(p, i) {
    const email = `crash-${backend}-${i}@example.org`;
    const review = i % 10 === 9;
    const o = { person: p, kind: 'signing', review };
    outcome.set(email, o);
    const address = review ? 'not-listed' : await uprnOf(p);
    const form = new URLSearchParams({ postcode: p.postcode, address, address_text: p.address, name: p.name, email, declared: 'yes' }).toString();
    const signed = await persist('POST', `/petitions/${PETITION}/sign`, form, [303], `signing as ${email}`);
    if (signed.lost) figures.lostSignUps += 1;
    if (!/\/signed$/.test(signed.headers.location ?? '')) throw new Failure(`signing as ${email} went to ${signed.headers.location}`);
    o.kind = 'waiting for the email';
    const waitMs = opt['wait-leases'] ? 300000 : 240000;
    const until = Date.now() + waitMs;
    let mail;
    for (;;) {
      mail = mailTo(email).find((m) => /^Confirm your signature/.test(m.subject));
      if (mail) break;
      if (failed) throw new Abandoned();
      if (Date.now() > until) {
        o.kind = 'no email';
        throw new Failure(`no confirmation email reached ${email} within ${waitMs / 1000} s of a sign-up that was answered "check your email"`);
      }
      await sleep(100);
    }
    const token = mail.text.match(/\/confirm\/([A-Za-z0-9_-]{43})/)?.[1];
    if (!token) throw new Failure(`no link in the email to ${email}: ${mail.text}`);
    await sleep(Math.random() * THINK_MS);
    o.kind = 'confirming';
    o.token = token;
    const r = await persist('POST', `/confirm/${token}`, '', [200], `confirming ${email}`);
    const said = heading(r.body);
    o.page = said;
    o.lost = r.lost;
    if (r.lost) figures.lostConfirms += 1;
    if (said === 'Your signature is counted' || said === 'Your email is confirmed') {
      o.kind = said === 'Your signature is counted' ? 'counted' : 'review';
      figures[o.kind] += 1;
      if (r.lost) figures.confirmedOnRetry += 1;
      const receipt = unescape(r.body.match(/<pre data-testid="receipt"[^>]*>([^<]*)<\/pre>/)?.[1] ?? '');
      const lines = receipt.split('\n');
      if (lines[0] !== 'petition-receipt/v1' || !/^commit /.test(lines[4] ?? '')) throw new Failure(`the success page for ${email} has no receipt`);
      const commit = createHash('sha256')
        .update(Buffer.concat([Buffer.from(`petition-sig/v1\n${lines[1].replace('petition ', '')}\n${lines[2].replace('area ', '')}\n`), Buffer.from(lines[3].replace('r ', ''), 'base64')]))
        .digest('base64');
      if (`commit ${commit}` !== lines[4]) throw new Failure(`the receipt shown to ${email} does not commit to its own r`);
      o.commit = commit;
    } else if (said === 'You have already confirmed' && r.lost > 0) {
      // An earlier press was committed but its answer died with the server.
      o.kind = 'answer lost';
      figures.lostAnswers += 1;
    } else if (said === 'Your signature was not counted') {
      // The demo's own signers took this elector's place first.
      o.kind = 'elector had signed';
      figures.electorHadSigned += 1;
    } else {
      o.kind = 'wrong page';
      throw new Failure(`confirming ${email} said "${said}" (after ${r.lost} presses lost with the server)`);
    }
  }

  /** The people, SIGNERS at a time. One whose email is late (held by a killed sender) waits aside. */
  async function surge(people) {
    let next = 0;
    const aside = [];
    const one = (i) => person(people[i], i).catch((e) => {
      if (e instanceof Abandoned) return;
      if (!(e instanceof Failure)) throw e;
      failed = true;
      problem(e.message);
    });
    await Promise.all(Array.from({ length: SIGNERS }, async () => {
      while (!stopArrivals && next < people.length && !failed) {
        const i = next++;
        figures.people += 1;
        const done = one(i);
        const ready = await Promise.race([done.then(() => true), sleep(5000).then(() => false)]);
        if (!ready) { figures.parked += 1; aside.push(done); }
      }
    }));
    await Promise.all(aside);
    if (!stopArrivals && !failed) console.log(`[${backend}] note: the ${people.length} people ran out before the kills did`);
  }

  /** The observer, with one state for the whole run: each sync also checks the log extends the last. */
  const state = join(dir, 'observer-state');
  function observe() {
    const args = ['sync', server.url, '--key', server.keys[0], '--key', server.keys[1], '--state', state];
    return new Promise((resolve) => {
      const child = spawn(OBSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('exit', (code) => resolve({ code, out }));
    });
  }

  let observing = true;
  async function observeMeanwhile() {
    while (observing && !failed) {
      const next = Date.now() + 3000 + Math.random() * 3000;
      while (observing && Date.now() < next) await sleep(100);
      if (!observing) break;
      const { code, out } = await observe();
      figures.observerRuns += 1;
      // 1: it could not check at all, which is what a server killed under it looks like.
      if (code === 1) figures.observerInterrupted += 1;
      else if (code !== 0) { failed = true; problem(`petition-observer sync exited ${code} during the run:\n${out}`); }
    }
  }

  /** Kills a serving server KILLS times at random moments; now and then also one during its start-up. */
  async function kills() {
    while (figures.kills < KILLS && !failed) {
      await sleep(300 + chance() * 2700);
      await server.kill();
      figures.kills += 1;
      if (chance() < 0.25) {
        // Killed while starting: migrations, re-keying, the log's backfill, the catch-up.
        const restarts = server.startMs.slice(1).sort((a, b) => a - b);
        const typical = restarts.length ? restarts[Math.floor(restarts.length / 2)] : 500;
        server.spawn();
        await sleep(chance() * typical);
        await server.kill();
        figures.startupKills += 1;
      }
      if (figures.kills === KILLS && !opt['wait-leases']) {
        // No server runs now, so every lease is a dead server's: end them rather than wait 160 s.
        execute('UPDATE outbox SET claimed_until = NULL WHERE sent_at IS NULL');
      }
      await server.start();
    }
  }

  let people;
  try {
    await server.start();
    console.log(`[${backend}] first start (demo loaded) in ${(server.startMs[0] / 1000).toFixed(1)} s; data in ${dir}`);
    const baseline = Number(query(`SELECT COALESCE(SUM(n), 0) AS n FROM count_shards WHERE petition_id = ${PETITION}`)[0].n);
    const seen = new Set();
    people = demoElectors(PEOPLE).filter((p) => !seen.has(`${p.name}|${p.address}`) && seen.add(`${p.name}|${p.address}`));

    const surging = surge(people);
    const watching = observeMeanwhile();
    await kills();
    stopArrivals = true;
    await surging;
    const surgeSecs = (performance.now() - began) / 1000;
    if (failed) throw new Failure('stopped at the first problem');
    for (const [email, o] of outcome) if (!['counted', 'review', 'answer lost', 'elector had signed'].includes(o.kind)) problem(`${email} ended "${o.kind}"`);

    // Pressing Confirm again after all the crashes: every success page was durable.
    const succeeded = [...outcome.entries()].filter(([, o]) => o.kind === 'counted' || o.kind === 'review');
    for (let k = 0; k < succeeded.length; k += SIGNERS) {
      await Promise.all(succeeded.slice(k, k + SIGNERS).map(async ([email, o]) => {
        const r = await persist('POST', `/confirm/${o.token}`, '', [200], `confirming ${email} again`);
        if (heading(r.body) !== 'You have already confirmed') problem(`${email} saw "${o.page}", and pressing Confirm again says "${heading(r.body)}"`);
      }));
    }

    // Wait for the outbox to drain and the sequencer to sign a tally with the final count.
    const drainUntil = Date.now() + (opt['wait-leases'] ? 200000 : 60000);
    let counters, tally;
    for (;;) {
      const unsent = Number(query('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL')[0].n);
      const unlogged = Number(query('SELECT COUNT(*) AS n FROM log_queue WHERE log_index IS NULL AND refused IS NULL')[0].n);
      counters = Number(query(`SELECT COALESCE(SUM(n), 0) AS n FROM count_shards WHERE petition_id = ${PETITION}`)[0].n);
      tally = (await get(server.url, `/log/tally/${PETITION}`, 10000)).body;
      const published = Number(tally.match(/^\* recorded \d+ struck \d+ valid (\d+)$/m)?.[1]);
      if (unsent === 0 && unlogged === 0 && published === counters) break;
      if (Date.now() > drainUntil) {
        problem(`after the last start: ${unsent} emails unsent, ${unlogged} log entries unsequenced, published valid ${published} vs counters ${counters}`);
        break;
      }
      await sleep(500);
    }
    observing = false;
    await watching;
    const final = await observe();
    figures.observerRuns += 1;
    if (final.code !== 0 || !/^ok: the log at size \d+/.test(final.out)) problem(`petition-observer sync exited ${final.code}:\n${final.out}`);
    await sleep(1500); // anything the SMTP server is still parsing
    await server.stop();

    // The signatures of the people who confirmed, from the database.
    const rows = query(`SELECT id, email, status, struck_at, receipt_commit FROM signatures WHERE petition_id = ${PETITION} AND email LIKE 'crash-%'`);
    const sigsOf = new Map();
    for (const r of rows) sigsOf.set(r.email, [...(sigsOf.get(r.email) ?? []), r]);
    let countedSigners = 0;
    for (const [email, o] of outcome) {
      const sigs = sigsOf.get(email) ?? [];
      const want = { counted: 'confirmed', review: 'review' }[o.kind];
      if (want) {
        if (sigs.length !== 1) { problem(`${email} saw "${o.page}" but has ${sigs.length} signatures`); continue; }
        if (sigs[0].status !== want || sigs[0].struck_at !== null) problem(`${email} saw "${o.page}" but the signature is ${sigs[0].status}, struck ${sigs[0].struck_at}`);
        if (sigs[0].receipt_commit !== o.commit) problem(`${email} was shown a receipt with another commit than the signature's`);
      } else if (o.kind === 'answer lost') {
        if (sigs.length !== 1) problem(`${email}'s confirmation was answered "already confirmed" after a lost answer, but has ${sigs.length} signatures`);
      } else if (sigs.length !== 0) {
        problem(`${email} (${o.kind}) has ${sigs.length} signatures`);
      }
      if (sigs.length === 1 && sigs[0].status === 'confirmed' && sigs[0].struck_at === null) countedSigners += 1;
    }
    for (const email of sigsOf.keys()) if (!outcome.has(email)) problem(`a signature for ${email}, who never signed`);

    // Each counted signature is in the log once; one for review is not logged until approved.
    const logged = query(`SELECT s.email AS email, s.status AS status, COUNT(q.id) AS n,
        COALESCE(SUM(CASE WHEN q.id IS NOT NULL AND (q.log_index IS NULL OR q.refused IS NOT NULL) THEN 1 ELSE 0 END), 0) AS missing
      FROM signatures s LEFT JOIN log_queue q ON q.signature_id = s.id AND q.kind = 'sig'
      WHERE s.petition_id = ${PETITION} AND s.email LIKE 'crash-%' GROUP BY s.id, s.email, s.status`);
    for (const l of logged) {
      const want = l.status === 'confirmed' ? 1 : 0;
      if (Number(l.n) !== want || Number(l.missing) !== 0) problem(`${l.email}'s ${l.status} signature has ${l.n} log entries (${l.missing} not in the log)`);
    }

    // The counters: the recount agrees, and they moved by exactly the counted signers.
    const recount = spawnSync(binary, ['officer', 'recount', String(PETITION)], { cwd: root, env });
    const total = Number(recount.stdout.toString().match(/^total (\d+)$/m)?.[1]);
    if (recount.status !== 0) problem(`petitions officer recount ${PETITION} exited ${recount.status}: ${recount.stdout}${recount.stderr}`);
    if (counters !== total) problem(`the counters say ${counters}, the recount ${total}`);
    if (counters !== baseline + countedSigners) problem(`the counters moved from ${baseline} to ${counters}, but ${countedSigners} signers count`);
    if (!new RegExp(`^\\* recorded \\d+ struck \\d+ valid ${counters}$`, 'm').test(tally)) problem(`the signed tally does not state ${counters}:\n${tally}`);

    // Email: every row sent and received; duplicates only as one row sent again.
    const outbox = query('SELECT id, created_at, recipient, subject, sent_at FROM outbox');
    const received = new Map(); // Message-ID -> count
    for (const m of smtp.messages) received.set(m.messageId, (received.get(m.messageId) ?? 0) + 1);
    const rowIds = new Set();
    const rowsTo = new Map();
    for (const row of outbox) {
      const id = `<outbox-${row.id}-${row.created_at}@127.0.0.1>`;
      rowIds.add(id);
      if (row.sent_at === null) problem(`outbox row ${row.id} (${row.subject}) was never sent`);
      else if (!received.has(id)) problem(`outbox row ${row.id} (${row.subject}) is marked sent but its Message-ID ${id} never reached the SMTP server`);
      const key = `${row.recipient}|${row.subject.split(':')[0]}`;
      rowsTo.set(key, (rowsTo.get(key) ?? 0) + 1);
    }
    for (const id of received.keys()) if (!rowIds.has(id)) problem(`the SMTP server received ${id}, which is no outbox row`);
    const duplicates = [...received.values()].reduce((a, n) => a + n - 1, 0);
    for (const [email, o] of outcome) {
      const confirmations = rowsTo.get(`${email}|Confirm your signature`) ?? 0;
      const thanks = rowsTo.get(`${email}|Thank you for signing`) ?? 0;
      const wantThanks = ['counted', 'review', 'answer lost'].includes(o.kind) ? 1 : 0;
      if (confirmations !== 1) problem(`${email} was sent ${confirmations} confirmation emails`);
      if (thanks !== wantThanks) problem(`${email} (${o.kind}) was sent ${thanks} thank-you emails`);
      if (wantThanks && !mailTo(email).some((m) => /^Thank you for signing/.test(m.subject))) problem(`no thank-you email reached ${email}`);
    }

    // What the servers said beyond INFO, by message (for the figures; a panic fails the run).
    const logs = Array.from({ length: server.runs }, (_, k) => server.log(k + 1)).join('').replace(/\x1b\[[0-9;]*m/g, '');
    const panics = logs.match(/panicked at/g)?.length ?? 0;
    if (panics) problem(`the server logs hold ${panics} panics`);
    const said = new Map();
    for (const line of logs.split('\n')) {
      const m = line.match(/^\S+\s+(WARN|ERROR)\s+(.*)$/);
      if (!m) continue;
      const what = `${m[1]} ${m[2].replace(/\s+/g, ' ').slice(0, 240)}`;
      said.set(what, (said.get(what) ?? 0) + 1);
    }
    const starts = server.startMs.slice(1).sort((a, b) => a - b);
    const secs = (performance.now() - began) / 1000;
    console.log(`[${backend}] ${figures.people} people signed, ${SIGNERS} at a time; ${figures.counted} saw "counted", ${figures.review} "sent for review", ` +
      `${figures.lostAnswers} lost the answer and were told "already confirmed", ${figures.electorHadSigned} found the elector had signed; ${countedSigners} count`);
    console.log(`[${backend}] ${figures.lostSignUps} sign-ups and ${figures.lostConfirms} confirmations lost a request to a kill and sent it again ` +
      `(${figures.confirmedOnRetry} of those confirmations then saw the success page, ${figures.lostAnswers} "already confirmed")`);
    console.log(`[${backend}] ${figures.kills} kills of a serving server and ${figures.startupKills} during start-up; restarts took ${(starts[Math.floor(starts.length / 2)] / 1000).toFixed(2)} s median, ` +
      `${(starts[starts.length - 1] / 1000).toFixed(2)} s at most; ${figures.retries} requests sent again after the server died, ${figures.unavailable} answered 503; ${figures.parked} people waited aside for a late email`);
    console.log(`[${backend}] counters ${baseline} -> ${counters}, recount ${total}, signed tally the same; ${outbox.length} emails queued and sent, ` +
      `${smtp.messages.length} received, ${duplicates} duplicates (same Message-ID), ${smtp.errors.length} SMTP sessions cut off; observer ran ${figures.observerRuns} times (${figures.observerInterrupted} cut off by a kill), last: ${final.out.trim().split('\n')[0]}`);
    for (const [what, n] of said) console.log(`[${backend}] server log: ${n} x ${what}`);
    console.log(`[${backend}] ${problems.length ? `FAILED, ${problems.length} problems` : 'passed'} in ${secs.toFixed(0)} s (surge and kills ${surgeSecs.toFixed(0)} s)`);
    return problems.length === 0;
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    problem(e.message);
    return false;
  } finally {
    observing = false;
    await server.stop();
    await smtp.stop();
    if (problems.length === 0 && !opt.keep) {
      rmSync(dir, { recursive: true, force: true });
      pg?.drop();
    } else {
      console.log(`[${backend}] kept the data and the server logs in ${dir}${pg ? ` and the database ${pg.url}` : ''}`);
    }
  }
}

const started = performance.now();
console.log(`crash test: ${KILLS} kills, ${SIGNERS} signers at a time, seed ${SEED}, on ${BACKENDS.join(' and ')}; observer ${OBSERVER}`);
let ok = true;
for (const backend of BACKENDS) ok = (await run(backend)) && ok;
console.log(`${ok ? 'passed' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
agent.destroy();
process.exit(ok ? 0 : 1);
