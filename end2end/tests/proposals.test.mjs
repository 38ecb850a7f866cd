// A petition from a resident's idea to an open petition, end to end, on SQLite and on PostgreSQL.
// A resident starts one with JavaScript off (a form with problems is explained and kept, then
// checked before it is sent), confirms their email, and shares the sponsor link; five electors
// sponsor it, with JavaScript off and on, each confirming by email. An officer sends it back with
// a note; the petitioner edits it and sends it back; two sponsors back the changed texts; the
// officer opens it. The petition page then shows the question, its first signatures are the
// petitioner and the sponsors of its texts (the others are asked to sign), and a resident signs.
// A second petition is refused on a ground and is listed publicly without its text; a third is
// withdrawn by its petitioner.
//
// Then the first petition lives out its window, the server restarted each time with its clock
// run ahead (REHEARSAL_DAYS_AHEAD, shown on every page): the officer announces the seed's source
// and pauses collection; ten days later resumes it, which moves the end ten days on; after the
// original end a resident signs inside the extension and it counts, on the page and in the
// signed tally; after the new end the petition closes, and the officer draws the sample, strikes
// one, sees the projection and certifies by the sample. The certificate page shows the entry and
// its proof, the downloaded certificate checks offline, and an observer checks the whole live
// log before the time travel and after each step of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSmtp, startServer, launchBrowser, createPostgresDatabase, demoElectors, root, officer, logEntries, browserContext,
} from './harness.mjs';

const DISTRICT = 'E07900001';
const QUESTION = 'Should the council keep the Harbour Road swimming pool open?';
const BACKGROUND = 'The council plans to close the pool next spring. Hundreds of residents swim there every week, and the nearest other pool is twelve miles away.';
const observer = join(root, 'target', 'debug', 'petition-observer');
const DAY = 24 * 60 * 60;
const SEED = '3c5e7a9b1d2f4e6a8c0b2d4f6e8a0c1b3d5f7e9a2c4b6d8f0e1a3c5b7d9f2e4a';
const SOURCE = 'drand-quicknet-12000001';

let smtp, browser, people;

before(async () => {
  smtp = await startSmtp();
  browser = await launchBrowser();
  people = demoElectors(15);
});

after(async () => {
  await browser?.close();
  await smtp?.stop();
});

/** The path of the link in the newest email to `to` whose subject matches `subject`. */
async function linkIn(to, subject, path) {
  const mail = await smtp.waitFor((m) => m.to?.text === to && subject.test(m.subject), `${subject} to ${to}`);
  const found = mail.text.match(new RegExp(`https?://[^/\\s]+(/${path}/\\S+)`));
  assert.ok(found, `a /${path}/ link in: ${mail.text}`);
  return found[1];
}

const context = (server, javaScriptEnabled, cookie) => browserContext(browser, server, javaScriptEnabled, cookie);

/** Starts a petition as `person` with JavaScript off; returns the petitioner's link. */
async function startPetition(server, person, email, title, { mistakes = false } = {}) {
  const c = await context(server, false);
  const page = await c.newPage();
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Start a petition' }).first().click();
  await page.getByLabel('Your postcode').fill(person.postcode.toLowerCase());
  await page.getByRole('button', { name: 'Find my address' }).click();
  await page.getByLabel(person.address, { exact: true }).check();
  await page.getByLabel('Full name').fill(person.name);
  await page.getByLabel('Email address').fill(email);
  await page.locator(`input[name="area"][value="${DISTRICT}"]`).check();
  await page.getByLabel('Background').fill(BACKGROUND);
  await page.getByLabel(/I declare that I am on the electoral register/).check();
  if (mistakes) {
    await page.getByLabel('The referendum question').fill('Keep the pool open. Close the car park.');
    await page.getByRole('button', { name: 'Continue' }).click();
    const summary = await page.locator('.error-summary').innerText();
    assert.match(summary, /Enter a title for the petition/);
    assert.match(summary, /question mark/);
    assert.equal(await page.getByLabel('Background').inputValue(), BACKGROUND, 'what was typed is kept');
    assert.equal(await page.getByLabel(person.address, { exact: true }).isChecked(), true);
  }
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('The referendum question').fill(QUESTION);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Check your petition before you send it' }).waitFor();
  assert.match(await page.getByTestId('check').innerText(), new RegExp(QUESTION.replace('?', '\\?')));
  await page.getByRole('button', { name: 'Send my petition' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await c.close();
  return linkIn(email, /^Confirm your email to start your petition/, 'proposals');
}

/** Confirms the petitioner's email from their link; returns the sponsor link's path. */
async function confirmPetitioner(server, link) {
  const c = await context(server, false);
  const page = await c.newPage();
  await page.goto(`${server.url}${link}`);
  await page.getByRole('button', { name: 'Confirm and start my petition' }).click();
  assert.match(await page.getByTestId('notice').innerText(), /Your email address is confirmed/);
  assert.match(await page.getByTestId('sponsors').innerText(), /^0 of 5 sponsors so far/);
  const sponsorLink = await page.getByTestId('sponsor-link').getAttribute('href');
  await c.close();
  return sponsorLink;
}

/** One sponsor signs up and confirms from their email. */
async function sponsor(server, sponsorLink, person, email, javaScriptEnabled, counted) {
  const c = await context(server, javaScriptEnabled);
  const page = await c.newPage();
  await page.goto(`${server.url}${sponsorLink}`);
  if (javaScriptEnabled) await page.locator('header[data-js="on"]').waitFor({ state: 'attached' });
  await page.getByLabel('Your postcode').fill(person.postcode);
  await page.getByRole('button', { name: 'Find my address' }).click();
  await page.getByLabel(person.address, { exact: true }).check();
  await page.getByLabel('Full name').fill(person.name);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel(/I declare that I am on the electoral register/).check();
  await page.getByRole('button', { name: 'Sponsor this petition' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  const link = await linkIn(email, /^Confirm that you sponsor/, 'sponsor/confirm');
  await page.goto(`${server.url}${link}`);
  await page.getByRole('button', { name: 'Confirm' }).click();
  assert.match(await page.getByTestId('sponsor-answer').innerText(), new RegExp(`${counted} of 5 sponsors so far`));
  await c.close();
}

/** Waits until the petition's latest signed tally has a line matching `pattern`. */
async function tallyShows(server, id, pattern) {
  let tally = '';
  for (let tries = 0; tries < 60; tries++) {
    const r = await fetch(`${server.url}/log/tally/${id}`);
    tally = r.ok ? await r.text() : '';
    if (pattern.test(tally)) return tally;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the tally of ${id} never showed ${pattern}:\n${tally}`);
}

/** Signs petition `id` as `person` in `page` (JavaScript off), confirming from the email. */
async function signPetition(server, page, id, person, to) {
  await page.goto(`${server.url}/petitions/${id}`);
  await page.getByRole('link', { name: /Sign this petition/ }).first().click();
  await page.getByLabel('Your postcode').fill(person.postcode);
  await page.getByRole('button', { name: 'Find my address' }).click();
  await page.getByLabel(person.address, { exact: true }).check();
  await page.getByLabel('Full name').fill(person.name);
  await page.getByLabel('Email address').fill(to);
  await page.getByLabel(/I declare/).check();
  await page.getByRole('button', { name: 'Sign the petition' }).click();
  const confirm = await linkIn(to, /^Confirm your signature/, 'confirm');
  await page.goto(`${server.url}${confirm}`);
  await page.getByRole('button', { name: 'Confirm my signature' }).click();
  await page.getByRole('heading', { name: 'Your signature is counted' }).waitFor();
}

/** The fields of the newest log entry of `kind` for petition `id`, once the log has one. */
async function latestEntry(server, kind, id) {
  for (let tries = 0; tries < 60; tries++) {
    const found = (await logEntries(server)).filter((e) => e.startsWith(`${kind}/v1 id=${id} `)).at(-1);
    if (found) return Object.fromEntries(found.split(' ').slice(1).map((kv) => kv.split('=')));
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`no ${kind}/v1 entry of petition ${id} in the log`);
}

/** Petition `id`, open with 4 valid signatures, lives out its window on the rehearsal clock:
 * a pause and its extension, a signature inside the extension, the close, a sample check and
 * the certificate, the observer passing after each step. */
async function toTheCertificate(server, id, lateSigner, to, { work, observe }) {
  // Before the close, with JavaScript off: the seed's source is announced, then collection pauses.
  const first = await officer(server, 'officer');
  const oc = await context(server, false, first.cookie);
  const op = await oc.newPage();
  await op.goto(`${server.url}/officer/petitions/${id}/verify`);
  await op.getByLabel('Where the seed will come from').fill('drand quicknet, the first round after 00:00 on the day after the close');
  await op.getByRole('button', { name: 'Announce' }).click();
  assert.match(await op.getByTestId('seed-plan').innerText(), /drand quicknet, the first round after/);
  await op.goto(`${server.url}/officer/petitions/${id}`);
  await op.getByLabel('Why, for example').fill('polling day for a by-election');
  await op.getByRole('button', { name: 'Pause collection…' }).click();
  await op.getByRole('button', { name: 'Pause collection' }).click();
  assert.equal(await op.getByTestId('state').innerText(), 'Paused');
  await oc.close();
  const opened = await latestEntry(server, 'petition', id);
  const pause = await latestEntry(server, 'pause', id);
  const originalEnd = Number(opened.closes);

  // Ten days on, by the rehearsal clock (every page says so), collection resumes, JavaScript on.
  await server.restartDaysAhead(10);
  assert.match(await (await fetch(server.url)).text(), /data-testid="rehearsal"[^>]*>[\s\S]*10 days ahead of real time/);
  const second = await officer(server, 'officer');
  const rc = await context(server, true, second.cookie);
  const rp = await rc.newPage();
  await rp.goto(`${server.url}/officer/petitions/${id}`);
  await rp.locator('header[data-js="on"]').waitFor({ state: 'attached' });
  await rp.getByLabel('Why collection resumes').fill('the by-election is over');
  await rp.getByRole('button', { name: 'Resume collection…' }).click();
  await rp.getByRole('button', { name: 'Resume collection' }).click();
  await rp.getByTestId('state').filter({ hasNotText: 'Paused' }).waitFor();
  await rc.close();
  const resume = await latestEntry(server, 'resume', id);
  const newEnd = Number(resume.closes);
  assert.equal(newEnd, originalEnd + Number(resume.at) - Number(pause.at), 'the end moves on by exactly the pause');
  assert.ok(newEnd - originalEnd >= 10 * DAY, `the pause lasted ten days by the site's clock: ${newEnd - originalEnd} s`);
  await tallyShows(server, id, new RegExp(`^window ${opened.opens} ${newEnd}$`, 'm'));
  observe();

  // A day after the original end, inside the extension: a resident signs, and it counts.
  await server.restartDaysAhead(server.daysPast(originalEnd, 1));
  const sc = await context(server, false);
  const sp = await sc.newPage();
  await signPetition(server, sp, id, lateSigner, to);
  await tallyShows(server, id, / valid 5$/m);
  const late = await latestEntry(server, 'sig', id);
  assert.ok(Number(late.at) >= originalEnd && Number(late.at) < newEnd, `confirmed in the extension: ${late.at}`);
  await sc.close();
  // The petition page (fetched past any browser cache) agrees with the signed tally once the page
  // cache has read the log's new size (every 250 ms): never ahead of it, and never more than one
  // read behind.
  let shown;
  for (let i = 0; i < 20 && shown !== '5'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    const page = await (await fetch(`${server.url}/petitions/${id}`)).text();
    shown = page.match(/data-testid="valid-count"[^>]*>([^<]*)</)?.[1];
    assert.ok(['4', '5'].includes(shown), `the page shows the signed count before or after: ${shown}`);
  }
  assert.equal(shown, '5', 'the page agrees with the tally within two seconds');
  observe();

  // A day after the new end: the petition has closed. The officer draws the sample (JavaScript
  // off; below 500 signatures it is all of them) and strikes one.
  await server.restartDaysAhead(server.daysPast(newEnd, 1));
  await tallyShows(server, id, /^status closed-not-reached$/m);
  const third = await officer(server, 'officer');
  const vc = await context(server, false, third.cookie);
  const vp = await vc.newPage();
  await vp.goto(`${server.url}/officer/petitions/${id}/verify`);
  await vp.getByLabel('Seed', { exact: true }).fill(SEED);
  await vp.getByLabel('Name of the source, as the log records it').fill(SOURCE);
  await vp.getByRole('button', { name: 'Draw the sample…' }).click();
  await vp.getByRole('button', { name: 'Draw the sample', exact: true }).click();
  assert.match(await vp.getByTestId('done').innerText(), /The sample is drawn/);
  assert.equal(Number(await vp.getByTestId('sample-size').innerText().then((t) => t.replace(/[^0-9]/g, ''))), 5);
  await vp.getByRole('link', { name: /Work through the sample/ }).click();
  const rows = vp.locator('tr[data-signature]');
  assert.equal(await rows.count(), 5);
  await rows.nth(0).getByLabel('Reason').selectOption('not-eligible');
  await rows.nth(0).getByLabel('Why (for the audit trail)').fill('not on the register on the signing date');
  await rows.nth(0).getByRole('button', { name: 'Strike…' }).click();
  await vp.getByRole('button', { name: 'Strike signature' }).click();
  assert.match(await vp.getByTestId('done').innerText(), /struck/);
  await vc.close();
  await tallyShows(server, id, /^\* recorded 5 struck 1 valid 4$/m);

  // JavaScript on: the projection, then the certificate by the sample.
  const cc = await context(server, true, third.cookie);
  const cp = await cc.newPage();
  await cp.goto(`${server.url}/officer/petitions/${id}/verify`);
  assert.equal(await cp.getByTestId('sample-struck').innerText(), '1');
  assert.equal(Number((await cp.getByTestId('projected').innerText()).replace(/[^0-9]/g, '')), 4);
  await cp.getByRole('button', { name: 'Certify by the sample: Not reached…' }).click();
  await cp.getByRole('button', { name: 'Certify the result' }).click();
  assert.match(await cp.getByTestId('done').innerText(), /The result is certified/);
  await cp.goto(`${server.url}/petitions/${id}`);
  assert.match(await cp.getByTestId('outcome').innerText(), /Not reached/);
  await cp.getByRole('link', { name: /The certificate, with its proof/ }).click();
  for (let tries = 0; tries < 40 && (await cp.getByTestId('proof').count()) === 0; tries++) {
    await new Promise((r) => setTimeout(r, 500));
    await cp.reload();
  }
  assert.equal(await cp.getByTestId('entry').innerText(), `certify/v1 id=${id} outcome=not-reached method=sample valid=4 projected=4`);
  await cc.close();

  // The certificate as downloaded checks offline with the published keys alone.
  const certificate = await (await fetch(`${server.url}/log/certificate/${id}`)).text();
  writeFileSync(join(work, 'certificate.txt'), certificate);
  const out = spawnSync(observer, ['certificate', join(work, 'certificate.txt'), '--keys', join(work, 'keys')]);
  assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
  assert.match(out.stdout.toString(), new RegExp(`petition ${id} certified not-reached by a sample check`));
  await tallyShows(server, id, /^status certified-not-reached$/m);
  observe();

  // The clock may not go back: on real time again, the server refuses to start, saying why, and
  // so does every command that would write.
  await assert.rejects(server.restartDaysAhead(0), /the site's history was written as late as/);
  const command = spawnSync(join(root, 'target', 'release', 'petitions'), ['officer', 'recount', String(id)], { cwd: root, env: server.env });
  assert.notEqual(command.status, 0);
  assert.match(command.stderr.toString(), /the site's history was written as late as/);
}

async function lifecycle(extraEnv) {
  const server = await startServer(smtp.port, extraEnv);
  const run = `${Date.now()}`;
  const email = (who) => `${who}-${run}@example.org`;
  try {
    const [petitioner, ...rest] = people;
    const sponsors = rest.slice(0, 5);
    const title = 'Keep the harbour pool open';
    const link = await startPetition(server, petitioner, email('petitioner'), title, { mistakes: true });
    const sponsorLink = await confirmPetitioner(server, link);
    await linkIn(email('petitioner'), /needs 5 sponsors/, 'sponsor');
    for (const [n, p] of sponsors.entries()) {
      await sponsor(server, sponsorLink, p, email(`sponsor${n}`), n % 2 === 1, n + 1);
    }
    await smtp.waitFor((m) => m.to?.text === email('petitioner') && /with the electoral office/.test(m.subject), 'with the office');

    // The officer, with JavaScript off, sends it back; a note is needed.
    const who = await officer(server, 'officer');
    const oc = await context(server, false, who.cookie);
    const op = await oc.newPage();
    await op.goto(`${server.url}/officer/moderation`);
    await op.getByTestId('moderation-queue').getByRole('link', { name: title }).click();
    assert.match(await op.getByTestId('proposal-stage').innerText(), /^Waiting since .*; decide by /);
    assert.match(await op.getByTestId('sponsors').innerText(), /on the register/);
    await op.getByRole('button', { name: 'Send it back' }).click();
    assert.match(await op.locator('.error-summary').innerText(), /Say what the petitioner should change/);
    const note = 'Say which pool you mean: the district has two.';
    await op.getByLabel('What should the petitioner change?').fill(note);
    await op.getByRole('button', { name: 'Send it back' }).click();
    assert.match(await op.getByTestId('done').innerText(), /sent back to the petitioner/);
    const returned = await smtp.waitFor((m) => m.to?.text === email('petitioner') && /^Changes needed/.test(m.subject), 'changes needed');
    assert.match(returned.text, /the district has two/);

    // The petitioner, with JavaScript on, edits and sends it back.
    const pc = await context(server, true);
    const pp = await pc.newPage();
    await pp.goto(`${server.url}${link}`);
    await pp.locator('header[data-js="on"]').waitFor({ state: 'attached' });
    assert.equal(await pp.getByTestId('return-note').innerText(), note);
    const edited = 'Keep the Harbour Road pool open';
    await pp.getByLabel('Title').fill(edited);
    await pp.getByRole('button', { name: 'Save changes' }).click();
    await pp.getByTestId('notice').filter({ hasText: 'Your changes are saved' }).waitFor();
    await pp.getByRole('button', { name: 'Send it back to the electoral office' }).click();
    await pp.getByTestId('notice').filter({ hasText: 'back with the electoral office' }).waitFor();
    await pc.close();

    // The sponsors backed the texts before the edit; two of them back the new ones.
    for (const n of [0, 1]) {
      const again = await linkIn(email(`sponsor${n}`), /^The petition you sponsored has changed/, 'sponsor/confirm');
      const sc = await context(server, false);
      const sp = await sc.newPage();
      await sp.goto(`${server.url}${again}`);
      assert.match(await sp.getByTestId('question').innerText(), new RegExp(QUESTION.replace('?', '\\?')));
      await sp.getByRole('button', { name: 'Confirm' }).click();
      assert.match(await sp.getByTestId('sponsor-answer').innerText(), /5 of 5 sponsors so far/);
      await sc.close();
    }

    // The officer opens it, after a check page.
    await op.goto(`${server.url}/officer/moderation`);
    await op.getByTestId('moderation-queue').getByRole('link', { name: edited }).click();
    await op.getByRole('button', { name: 'Open for signatures' }).click();
    assert.match(await op.getByTestId('effect').innerText(), /trigger is fixed now/);
    await op.getByRole('button', { name: 'Open for signatures' }).click();
    const id = Number(new URL(op.url()).pathname.match(/^\/officer\/petitions\/(\d+)$/)[1]);
    await oc.close();

    // The petition: the question, and as its first signatures the petitioner and the sponsors
    // of its texts; the other sponsors are asked to sign it as it is.
    await tallyShows(server, id, / valid 3$/m);
    for (const to of [email('petitioner'), email('sponsor0'), email('sponsor1')]) {
      await smtp.waitFor((m) => m.to?.text === to && m.subject === `Open for signatures: ${edited}`, `opened, to ${to}`);
      await smtp.waitFor((m) => m.to?.text === to && m.subject === `Thank you for signing: ${edited}`, `thanks, to ${to}`);
    }
    for (const n of [2, 3, 4]) {
      const m = await smtp.waitFor((m) => m.to?.text === email(`sponsor${n}`) && m.subject === `Open for signatures: ${edited}`, `opened, to sponsor ${n}`);
      assert.match(m.text, /Its texts changed after you sponsored it/);
    }
    const rc = await context(server, false);
    const rp = await rc.newPage();
    await rp.goto(`${server.url}/petitions/${id}`);
    assert.equal(await rp.getByRole('heading', { level: 1 }).innerText(), edited);
    assert.match(await rp.getByTestId('question').innerText(), new RegExp(QUESTION.replace('?', '\\?')));
    // A resident signs it.
    await signPetition(server, rp, id, people[6], email('signer'));
    await tallyShows(server, id, / valid 4$/m);
    // Its texts can no longer change.
    const late = await fetch(`${server.url}${link}/edit`, {
      method: 'POST',
      body: new URLSearchParams({ title: 'Something else entirely', question: QUESTION, background: BACKGROUND }),
    });
    assert.equal(late.status, 422);
    assert.match(await late.text(), /the petition has opened: its texts and area are fixed/);
    await rc.close();

    // A second petition, refused on a ground that is about its text.
    const second = 'Ban the harbourmaster from the quay';
    const link2 = await startPetition(server, people[7], email('second'), second);
    const sponsorLink2 = await confirmPetitioner(server, link2);
    for (const [n, p] of people.slice(8, 13).entries()) {
      await sponsor(server, sponsorLink2, p, email(`second-sponsor${n}`), false, n + 1);
    }
    const oc2 = await context(server, true, who.cookie);
    const op2 = await oc2.newPage();
    await op2.goto(`${server.url}/officer/moderation`);
    await op2.getByTestId('moderation-queue').getByRole('link', { name: second }).click();
    // The same question as the first petition, open now: shown beside it for the ground of repetition.
    assert.match(await op2.getByTestId('alike').innerText(), /Keep the Harbour Road pool open[\s\S]*Open for signatures since/);
    await op2.getByLabel(/It is vexatious or abusive/).check();
    await op2.getByLabel('Explanation').fill('It targets one named person rather than a decision of the council.');
    await op2.getByRole('button', { name: 'Refuse' }).click();
    await op2.getByRole('button', { name: 'Refuse the petition' }).click();
    assert.match(await op2.getByTestId('done').innerText(), /The petition is refused/);
    await oc2.close();
    const refusal = await smtp.waitFor((m) => m.to?.text === email('second') && /cannot go ahead/.test(m.subject), 'the refusal');
    assert.match(refusal.text, /vexatious or abusive/);
    const told = await smtp.waitFor((m) => m.to?.text === email('second-sponsor4') && /^The petition you sponsored cannot go ahead/.test(m.subject), 'the refusal, to a sponsor');
    assert.match(told.text, /targets one named person/);
    const list = await (await fetch(`${server.url}/refused-petitions`)).text();
    assert.match(list, /Title withheld/);
    assert.match(list, /targets one named person/);
    assert.ok(!list.includes(second), 'the text the ground is about is not published');

    // A third petition, withdrawn by its petitioner with JavaScript off: the box must be ticked.
    const link3 = await startPetition(server, people[14], email('third'), 'Paint the harbour wall blue');
    const sponsorLink3 = await confirmPetitioner(server, link3);
    const wc = await context(server, false);
    const wp = await wc.newPage();
    await wp.goto(`${server.url}${link3}`);
    assert.match(await wp.getByTestId('lapses').innerText(), /^If it does not have its sponsors by .+, it lapses\.$/);
    await wp.getByRole('button', { name: 'Withdraw my petition' }).click();
    assert.match(await wp.locator('.error-summary').innerText(), /Tick the box to say that you want to withdraw your petition/);
    assert.match(await wp.getByTestId('status').innerText(), /Find your sponsors/, 'nothing changed');
    await wp.getByLabel('I want to withdraw this petition').check();
    await wp.getByRole('button', { name: 'Withdraw my petition' }).click();
    assert.match(await wp.getByTestId('notice').innerText(), /Your petition is withdrawn/);
    assert.match(await wp.getByTestId('status').innerText(), /You withdrew it on /);
    await smtp.waitFor((m) => m.to?.text === email('third') && /^You have withdrawn your petition/.test(m.subject), 'the withdrawal');
    await wp.goto(`${server.url}${sponsorLink3}`);
    assert.match(await wp.locator('main').innerText(), /This petition is not asking for sponsors now/);
    await wc.close();

    // An observer checks the whole live log.
    const keys = server.log().match(/with verifier keys (\S+) and (\S+)/);
    const work = mkdtempSync(join(tmpdir(), 'proposals-'));
    writeFileSync(join(work, 'keys'), `${keys[1]}\n${keys[2]}\n`);
    const observe = () => {
      const out = spawnSync(observer, ['sync', server.url, '--keys', join(work, 'keys'), '--state', join(work, 'state')]);
      assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
      return out;
    };
    observe();

    await toTheCertificate(server, id, people[13], email('late-signer'), { work, observe });
  } finally {
    await server.stop();
  }
}

test('a petition from a resident\'s proposal to its certificate, another refused, on SQLite', async () => {
  await lifecycle({});
});

test('a petition from a resident\'s proposal to its certificate, another refused, on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  try {
    await lifecycle({ DATABASE_URL: pg.url });
  } finally {
    pg.drop();
  }
});
