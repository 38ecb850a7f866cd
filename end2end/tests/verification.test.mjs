// Verification and certificate end to end, on SQLite and on PostgreSQL. The demo's closed
// petition had its seed's source announced while it collected. An officer, with JavaScript off,
// enters a wrong seed (refused with a message, nothing drawn), then the right one; the sample is
// drawn after a check page; the officer works through it and strikes one signature. With
// JavaScript on, the projection shows, the result is certified by the sample, and the officers'
// notice list is emailed. The public petition page shows the outcome, the certificate page shows
// the proof, the observer command line checks the downloaded certificate offline (and fails on a
// tampered one), no signature can be struck after the certificate, the council's response is
// published, and an observer checks the whole live log, sample and certificate included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtp, startServer, launchBrowser, createPostgresDatabase, root, officer } from './harness.mjs';

/** The demo's petition that has closed, not reached; its seed's source announced while it collected. */
const HARBOUR = 5;
const SEED = '7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a';
const SOURCE = 'drand-quicknet-10405839';
const OFFICERS = 'elections@council.example';
const observer = join(root, 'target', 'debug', 'petition-observer');

let smtp, browser;

before(async () => {
  smtp = await startSmtp();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await smtp?.stop();
});

const number = (text) => Number(text.replace(/[^0-9]/g, ''));

/** A browser context signed in with an officer's session cookie. */
async function signedIn(server, cookie, javaScriptEnabled) {
  const context = await browser.newContext({ javaScriptEnabled });
  const at = cookie.indexOf('=');
  await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: server.url, sameSite: 'Strict' }]);
  return context;
}

/** Waits until the petition's latest signed tally has a line matching `pattern`. */
async function tallyShows(server, pattern) {
  let tally = '';
  for (let tries = 0; tries < 60; tries++) {
    tally = await (await fetch(`${server.url}/log/tally/${HARBOUR}`)).text();
    if (pattern.test(tally)) return tally;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the tally never showed ${pattern}:\n${tally}`);
}

async function verification(extraEnv) {
  const server = await startServer(smtp.port, { OFFICER_EMAIL: OFFICERS, ...extraEnv });
  try {
    // The demo's signatures and the close are in the log first (the close waits for the rest).
    await tallyShows(server, /^status closed-not-reached$/m);
    const who = await officer(server, 'officer');

    // JavaScript off: the seed, the sample and a strike.
    const plain = await signedIn(server, who.cookie, false);
    const page = await plain.newPage();
    await page.goto(`${server.url}/officer/petitions/${HARBOUR}`);
    await page.getByRole('link', { name: 'Verify and certify the result' }).click();
    assert.match(await page.getByTestId('seed-plan').innerText(), /drand quicknet: the first round after/);
    const seedField = page.getByLabel('Seed', { exact: true });
    const sourceField = page.getByLabel('Name of the source, as the log records it');
    await seedField.fill('abc123');
    await sourceField.fill('drand quicknet');
    await page.getByRole('button', { name: 'Draw the sample…' }).click();
    const problems = await page.locator('.error-summary').innerText();
    assert.match(problems, /64 hexadecimal digits.*this has 6 characters/s);
    assert.match(problems, /Name the source in up to 64 letters/);
    assert.equal(await sourceField.inputValue(), 'drand quicknet', 'what was typed is kept');
    assert.equal(await page.getByTestId('sample').count(), 0, 'nothing was drawn');
    await seedField.fill(SEED.toUpperCase());
    await sourceField.fill(SOURCE);
    await page.getByRole('button', { name: 'Draw the sample…' }).click();
    assert.match(await page.locator('main').innerText(), new RegExp(SEED), 'the check page shows the seed as the log will');
    await page.getByRole('button', { name: 'Draw the sample', exact: true }).click();
    assert.match(await page.getByTestId('done').innerText(), /The sample is drawn/);
    const valid = number(await page.getByTestId('valid').innerText());
    assert.ok(valid > 0 && valid < 500);
    assert.equal(number(await page.getByTestId('sample-size').innerText()), valid, 'below 500 signatures, all are drawn');
    await page.getByRole('link', { name: /Work through the sample/ }).click();
    const rows = page.locator('tr[data-signature]');
    assert.equal(await rows.count(), Math.min(valid, 50), 'the worklist lists the sample, 50 a page');
    const struck = await rows.nth(0).getAttribute('data-signature');
    const later = await rows.nth(1).getAttribute('data-signature');
    await rows.nth(0).getByLabel('Reason').selectOption('fraud');
    await rows.nth(0).getByLabel('Why (for the audit trail)').fill('the elector wrote to say they did not sign');
    await rows.nth(0).getByRole('button', { name: 'Strike…' }).click();
    await page.getByRole('button', { name: 'Strike signature' }).click();
    assert.match(await page.getByTestId('done').innerText(), new RegExp(`Signature ${struck}: struck`));
    await plain.close();

    // JavaScript on: the projection, and the certificate by the sample once the log has the strike.
    await tallyShows(server, /^\* recorded \d+ struck 1 valid \d+$/m);
    const live = await signedIn(server, who.cookie, true);
    const op = await live.newPage();
    await op.goto(`${server.url}/officer/petitions/${HARBOUR}/verify`);
    assert.equal(await op.getByTestId('sample-struck').innerText(), '1');
    assert.equal(number(await op.getByTestId('projected').innerText()), valid - 1, 'V × (n − s) / n with n = V');
    assert.match(await op.getByTestId('allows').innerText(), /^Not reached/);
    await op.getByRole('button', { name: 'Certify by the sample: Not reached…' }).click();
    await op.getByRole('button', { name: 'Certify the result' }).click();
    assert.match(await op.getByTestId('done').innerText(), /The result is certified/);
    assert.match(await op.getByTestId('outcome').innerText(), /Not reached/);
    const mail = await smtp.waitFor((m) => m.to?.text === OFFICERS && m.subject === `Petition ${HARBOUR} certified: not-reached`, 'the certificate notice');
    assert.match(mail.text, new RegExp(`/petitions/${HARBOUR}/certificate`));

    // Nothing can be struck after the certificate.
    const refused = await who.fetch(`/officer/signatures/${later}/strike`, {
      method: 'POST',
      body: new URLSearchParams({ reason: 'fraud', note: 'too late', confirm: 'yes', back: `/officer/petitions/${HARBOUR}/verify` }),
    });
    assert.equal(refused.status, 422, 'refused when checked, before anything is offered');
    assert.match(await refused.text(), /has been certified: its signatures can no longer be changed/);

    // The council's response, published on the petition's page.
    await op.getByLabel("The council's written response").fill('The council thanks everyone who signed and will consult on the quayside plans in the spring.');
    await op.getByRole('button', { name: "Publish on the petition's page" }).click();
    assert.match(await op.getByTestId('council-response').innerText(), /consult on the quayside plans/);

    // The public pages: the outcome, what happens next, and the certificate with its proof.
    await op.goto(`${server.url}/petitions/${HARBOUR}`);
    assert.match(await op.getByTestId('outcome').innerText(), /Not reached/);
    assert.match(await op.getByTestId('next').innerText(), /consult on the quayside plans/);
    await op.getByRole('link', { name: /The certificate, with its proof/ }).click();
    for (let tries = 0; tries < 40 && (await op.getByTestId('proof').count()) === 0; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      await op.reload();
    }
    assert.match(await op.getByTestId('entry').innerText(), new RegExp(`^certify/v1 id=${HARBOUR} outcome=not-reached method=sample valid=${valid - 1} projected=${valid - 1}$`));
    await live.close();

    // The certificate as downloaded, checked offline with the published keys alone; a tampered one fails.
    assert.ok(existsSync(observer), `the observer is built first: ${observer}`);
    const keys = server.log().match(/with verifier keys (\S+) and (\S+)/);
    const work = mkdtempSync(join(tmpdir(), 'certificate-'));
    writeFileSync(join(work, 'keys'), `${keys[1]}\n${keys[2]}\n`);
    const certificate = await (await fetch(`${server.url}/log/certificate/${HARBOUR}`)).text();
    writeFileSync(join(work, 'certificate.txt'), certificate);
    let out = spawnSync(observer, ['certificate', join(work, 'certificate.txt'), '--keys', join(work, 'keys')]);
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
    assert.match(out.stdout.toString(), new RegExp(`petition ${HARBOUR} certified not-reached by a sample check`));
    const extra = certificate.match(/^extra (\S+)$/m)[1];
    const forged = Buffer.from(Buffer.from(extra, 'base64').toString().replace('outcome=not-reached', 'outcome=reached')).toString('base64');
    writeFileSync(join(work, 'forged.txt'), certificate.replace(extra, forged));
    out = spawnSync(observer, ['certificate', join(work, 'forged.txt'), '--keys', join(work, 'keys')]);
    assert.equal(out.status, 4, `a forged outcome is not in the signed tree: ${out.stdout}${out.stderr}`);

    // An observer checks the whole live log: the sample's draw, the projection and the certificate's rules.
    await tallyShows(server, /^status certified-not-reached$/m);
    out = spawnSync(observer, ['sync', server.url, '--keys', join(work, 'keys'), '--state', join(work, 'state')]);
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
  } finally {
    await server.stop();
  }
}

test('a closed petition is sampled, struck, certified and checked by an observer, on SQLite', async () => {
  await verification({});
});

test('a closed petition is sampled, struck, certified and checked by an observer, on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  try {
    await verification({ DATABASE_URL: pg.url });
  } finally {
    pg.drop();
  }
});

test('a closed petition is certified after a full check, every valid signature marked, on SQLite', async () => {
  const server = await startServer(smtp.port, { OFFICER_EMAIL: OFFICERS });
  try {
    await tallyShows(server, /^status closed-not-reached$/m);
    const who = await officer(server, 'officer');
    const c = await signedIn(server, who.cookie, false);
    const page = await c.newPage();
    await page.goto(`${server.url}/officer/petitions/${HARBOUR}/verify`);
    const valid = number(await page.getByTestId('valid').innerText());
    assert.match(await page.getByTestId('checked').innerText(), new RegExp(`^0 of ${valid} valid signatures checked`));
    assert.equal(await page.getByRole('button', { name: /Certify after a full check/ }).count(), 0, 'not until every one is checked');
    // Certifying anyway is refused with what is left to do.
    const early = await who.fetch(`/officer/petitions/${HARBOUR}/certify`, { method: 'POST', body: new URLSearchParams({ method: 'full', confirm: 'yes' }) });
    assert.equal(early.status, 409);
    assert.match(await early.text(), new RegExp(`${valid} valid signature\\(s\\) have not been marked checked`));
    await page.getByRole('link', { name: /Work through the \d+ not yet checked/ }).click();
    // The first one is not valid: struck, which is its check.
    const rows = page.locator('tr[data-signature]');
    const struck = await rows.nth(0).getAttribute('data-signature');
    await rows.nth(0).getByLabel('Reason').selectOption('not-eligible');
    await rows.nth(0).getByLabel('Why (for the audit trail)').fill('not on the register on the signing date');
    await rows.nth(0).getByRole('button', { name: 'Strike…' }).click();
    await page.getByRole('button', { name: 'Strike signature' }).click();
    assert.match(await page.getByTestId('done').innerText(), new RegExp(`Signature ${struck}: struck`));
    // The rest, a page at a time.
    for (let pages = 0; pages < 20; pages++) {
      await page.goto(`${server.url}/officer/petitions/${HARBOUR}/signatures?show=unchecked`);
      if ((await page.getByTestId('check-form').count()) === 0) break;
      await page.getByTestId('check-form').getByRole('button').click();
      assert.match(await page.getByTestId('done').innerText(), /marked checked/);
    }
    await page.goto(`${server.url}/officer/petitions/${HARBOUR}/verify`);
    assert.match(await page.getByTestId('checked').innerText(), new RegExp(`^${valid - 1} of ${valid - 1} valid signatures checked`));
    await page.getByRole('button', { name: `Certify after a full check: ${valid - 1} valid…` }).click();
    await page.getByRole('button', { name: 'Certify the result' }).click();
    assert.match(await page.getByTestId('done').innerText(), /The result is certified/);
    assert.match(await page.getByTestId('outcome').innerText(), /Not reached/);
    await c.close();
    await tallyShows(server, /^status certified-not-reached$/m);
  } finally {
    await server.stop();
  }
});
