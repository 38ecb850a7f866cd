// The threshold engine through the real server over HTTP, on SQLite and on PostgreSQL: signers of
// the demo's Castle ward petition (97% of the way) confirm at the same moment, crossing the
// trigger; exactly one "threshold reached" event is recorded and one email goes to the officers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtp, startServer, demoElectors, createPostgresDatabase, root, officer } from './harness.mjs';

const CASTLE_PETITION = 3;
const CASTLE_WARD = 'E05900002';
const OFFICERS = 'officers@council.example';
let smtp, castle;

before(async () => {
  smtp = await startSmtp();
  castle = demoElectors(120).filter((p) => p.ward === CASTLE_WARD);
});

after(async () => {
  await smtp?.stop();
});

const unescape = (s) => s.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

async function officerPage(server, id) {
  server.viewer ||= await officer(server, 'viewer');
  const r = await server.viewer.fetch(`/officer/petitions/${id}`);
  assert.equal(r.status, 200);
  return r.text();
}

function figures(html) {
  const valid = html.match(/data-testid="valid"[^>]*>([\d,]+)</);
  const required = html.match(/Required<\/dt><dd[^>]*>([\d,]+)/);
  assert.ok(valid && required, 'the officer page shows the count and the requirement');
  return { valid: Number(valid[1].replace(/,/g, '')), required: Number(required[1].replace(/,/g, '')) };
}

/** Signs through the plain form, as a browser without JavaScript would. */
async function sign(server, person, email) {
  const url = `${server.url}/petitions/${CASTLE_PETITION}/sign`;
  const html = await (await fetch(`${url}?postcode=${encodeURIComponent(person.postcode)}`)).text();
  const labels = [...html.matchAll(/<label for="(address-\d+)">([^<]*)<\/label>/g)];
  const label = labels.find((m) => unescape(m[2]) === person.address);
  assert.ok(label, `the address list at ${person.postcode} includes ${person.address}`);
  const uprn = html.match(new RegExp(`<input[^>]*id="${label[1]}"[^>]*value="([^"]+)"`))[1];
  const body = new URLSearchParams({ postcode: person.postcode, address: uprn, name: person.name, email, declared: 'yes' });
  const r = await fetch(url, { method: 'POST', body, redirect: 'manual' });
  assert.equal(r.status, 303, `signing as ${person.name} redirects to the next step`);
}

async function crossTheTrigger(extraEnv, tag) {
  const server = await startServer(smtp.port, { OFFICER_EMAIL: OFFICERS, SIGN_PER_IP_PER_MINUTE: '1000', ...extraEnv });
  try {
    const before = figures(await officerPage(server, CASTLE_PETITION));
    const needed = before.required - before.valid;
    assert.ok(needed > 0 && needed + 3 <= castle.length, `the demo leaves the petition short (needs ${needed})`);
    const signers = castle.slice(0, needed + 3);
    const emails = signers.map((_, i) => `castle-${tag}-${i}@example.org`);
    for (let i = 0; i < signers.length; i++) await sign(server, signers[i], emails[i]);
    const tokens = [];
    for (const email of emails) {
      const m = await smtp.waitFor((x) => x.to?.text === email && /^Confirm your signature/.test(x.subject), `to ${email}`);
      tokens.push(m.text.match(/\/confirm\/([A-Za-z0-9_-]{43})/)[1]);
    }
    // Everyone presses Confirm at once.
    const pages = await Promise.all(tokens.map((t) =>
      fetch(`${server.url}/confirm/${t}`, { method: 'POST', body: new URLSearchParams() }).then(async (r) => ({ status: r.status, html: await r.text() }))));
    for (const p of pages) {
      assert.equal(p.status, 200);
      assert.match(p.html, /Your signature is counted/);
    }
    const html = await officerPage(server, CASTLE_PETITION);
    assert.equal(figures(html).valid, before.valid + signers.length);
    assert.equal([...html.matchAll(/data-kind="threshold-reached"/g)].length, 1, 'exactly one threshold-reached event');
    assert.match(html, /A recount from the signature rows agrees with the counters/);
    // Within the merge delay (10 s at most) the signed tally in the transparency log states the same count.
    const since = Date.now();
    let tally = '';
    while (Date.now() - since < 10000) {
      tally = await (await fetch(`${server.url}/log/tally/${CASTLE_PETITION}`)).text();
      const star = tally.match(/^\* recorded (\d+) struck (\d+) valid (\d+)$/m);
      if (star && Number(star[3]) === before.valid + signers.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(tally, new RegExp(`^\\* recorded \\d+ struck \\d+ valid ${before.valid + signers.length}$`, 'm'), tally);
    assert.match(tally, /^status reached$/m);
    assert.match(tally, /\n\n— 127\.0\.0\.1:\d+\/log\/tally \S+\n$/);
    // An observer with only the verifier keys (as the server printed them at start, standing in
    // for the council's notices) checks the whole live log and a signer's receipt.
    const observer = join(root, 'target', 'debug', 'petition-observer');
    assert.ok(existsSync(observer), `the observer is built first (cargo build -p petition-observer): ${observer}`);
    const keys = server.log().match(/with verifier keys (\S+) and (\S+)/);
    assert.ok(keys, 'the server prints its verifier keys');
    const work = mkdtempSync(join(tmpdir(), 'observer-'));
    writeFileSync(join(work, 'keys'), `${keys[1]}\n${keys[2]}\n`);
    const sync = spawnSync(observer, ['sync', server.url, '--keys', join(work, 'keys'), '--state', join(work, 'state')]);
    assert.equal(sync.status, 0, `${sync.stdout}${sync.stderr}`);
    assert.match(sync.stdout.toString(), /^ok: the log at size \d+; \d+ petition tallies recomputed and match/);
    const receipt = unescape(pages[0].html.match(/<pre data-testid="receipt"[^>]*>([^<]*)<\/pre>/)[1]);
    writeFileSync(join(work, 'receipt.txt'), receipt);
    const out = execFileSync(observer, ['receipt', join(work, 'receipt.txt'), '--from', server.url, '--keys', join(work, 'keys')]).toString();
    assert.match(out, /^ok: your signature is entry \d+ of the signed log/);
    const notice = await smtp.waitFor((m) => m.to?.text === OFFICERS && /has reached its trigger/.test(m.subject) && m.text.includes(server.url), 'to the officers');
    assert.match(notice.subject, /^Petition 3 has reached its trigger/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.messages.filter((m) => m.to?.text === OFFICERS && m.text.includes(server.url)).length, 1, 'one email to the officers');
    // Residents see it on the petition page.
    const page = await (await fetch(`${server.url}/petitions/${CASTLE_PETITION}`)).text();
    assert.match(page, /Threshold reached/);
    // The demo's old petition was closed at start-up, dated its deadline.
    assert.match(await officerPage(server, 5), /data-kind="closed-not-reached"/);
    const list = await (await server.viewer.fetch('/officer')).text();
    assert.match(list, /Closed: not reached/);
  } finally {
    await server.stop();
  }
}

test('concurrent confirmations cross the trigger once, on SQLite', async () => {
  await crossTheTrigger({}, 'sqlite');
});

test('concurrent confirmations cross the trigger once, on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  try {
    await crossTheTrigger({ DATABASE_URL: pg.url }, 'pg');
  } finally {
    pg.drop();
  }
});

test('the server refuses to start without its log keys, and with a malformed one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'petitions-keys-'));
  writeFileSync(join(dir, 'secret.key'), `${'ab'.repeat(32)}\n`);
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 'p.db')}`,
    SECRET_FILE: join(dir, 'secret.key'),
    LOG_KEY_FILE: join(dir, 'log.key'),
    TALLY_KEY_FILE: join(dir, 'tally.key'),
    SITE_ADDR: '127.0.0.1:0',
  };
  const binary = join(root, 'target', 'release', 'petitions');
  const missing = spawnSync(binary, ['serve'], { env, timeout: 30000 });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr.toString(), /cannot read the key file .*log\.key/);
  const made = spawnSync(binary, ['keys'], { env, timeout: 30000 });
  assert.equal(made.status, 0, made.stderr.toString());
  assert.match(made.stdout.toString(), /^127\.0\.0\.1:0\/log\+[0-9a-f]{8}\+\S+$/m);
  assert.notEqual(spawnSync(binary, ['keys'], { env, timeout: 30000 }).status, 0, 'existing keys are never replaced');
  writeFileSync(join(dir, 'tally.key'), 'PRIVATE+KEY+nonsense\n');
  const bad = spawnSync(binary, ['serve'], { env, timeout: 30000 });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.toString(), /tally\.key is not a signing key/);
});
