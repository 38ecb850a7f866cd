// A petition from a resident's idea to an open petition, end to end, on SQLite and on PostgreSQL.
// A resident starts one with JavaScript off (a form with problems is explained and kept, then
// checked before it is sent), confirms their email, and shares the sponsor link; five electors
// sponsor it, with JavaScript off and on, each confirming by email. An officer sends it back with
// a note; the petitioner edits it and sends it back; two sponsors back the changed texts; the
// officer opens it. The petition page then shows the question, its first signatures are the
// petitioner and the sponsors of its texts (the others are asked to sign), and a resident signs. A second petition is refused on a ground and is listed publicly without its text. An
// observer checks the whole live log at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtp, startServer, launchBrowser, createPostgresDatabase, demoElectors, root, officer } from './harness.mjs';

const DISTRICT = 'E07900001';
const QUESTION = 'Should the council keep the Harbour Road swimming pool open?';
const BACKGROUND = 'The council plans to close the pool next spring. Hundreds of residents swim there every week, and the nearest other pool is twelve miles away.';
const observer = join(root, 'target', 'debug', 'petition-observer');

let smtp, browser, people;

before(async () => {
  smtp = await startSmtp();
  browser = await launchBrowser();
  people = demoElectors(14);
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

async function context(server, javaScriptEnabled, cookie) {
  const c = await browser.newContext({ javaScriptEnabled });
  if (cookie) {
    const at = cookie.indexOf('=');
    await c.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: server.url, sameSite: 'Strict' }]);
  }
  return c;
}

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
    const signer = people[6];
    await rp.getByRole('link', { name: /Sign this petition/ }).first().click();
    await rp.getByLabel('Your postcode').fill(signer.postcode);
    await rp.getByRole('button', { name: 'Find my address' }).click();
    await rp.getByLabel(signer.address, { exact: true }).check();
    await rp.getByLabel('Full name').fill(signer.name);
    await rp.getByLabel('Email address').fill(email('signer'));
    await rp.getByLabel(/I declare/).check();
    await rp.getByRole('button', { name: 'Sign the petition' }).click();
    const confirm = await linkIn(email('signer'), /^Confirm your signature/, 'confirm');
    await rp.goto(`${server.url}${confirm}`);
    await rp.getByRole('button', { name: 'Confirm my signature' }).click();
    await rp.getByRole('heading', { name: 'Your signature is counted' }).waitFor();
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
    await op2.getByLabel(/It is vexatious or abusive/).check();
    await op2.getByLabel('Explanation').fill('It targets one named person rather than a decision of the council.');
    await op2.getByRole('button', { name: 'Refuse' }).click();
    await op2.getByRole('button', { name: 'Refuse the petition' }).click();
    assert.match(await op2.getByTestId('done').innerText(), /The petition is refused/);
    await oc2.close();
    const refusal = await smtp.waitFor((m) => m.to?.text === email('second') && /cannot go ahead/.test(m.subject), 'the refusal');
    assert.match(refusal.text, /vexatious or abusive/);
    const list = await (await fetch(`${server.url}/refused-petitions`)).text();
    assert.match(list, /Title withheld/);
    assert.match(list, /targets one named person/);
    assert.ok(!list.includes(second), 'the text the ground is about is not published');

    // An observer checks the whole live log.
    const keys = server.log().match(/with verifier keys (\S+) and (\S+)/);
    const work = mkdtempSync(join(tmpdir(), 'proposals-'));
    writeFileSync(join(work, 'keys'), `${keys[1]}\n${keys[2]}\n`);
    const out = spawnSync(observer, ['sync', server.url, '--keys', join(work, 'keys'), '--state', join(work, 'state')]);
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
  } finally {
    await server.stop();
  }
}

test('a resident starts a petition, sponsors back it, an officer returns then opens it, another is refused, on SQLite', async () => {
  await lifecycle({});
});

test('a resident starts a petition, sponsors back it, an officer returns then opens it, another is refused, on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  try {
    await lifecycle({ DATABASE_URL: pg.url });
  } finally {
    pg.drop();
  }
});
