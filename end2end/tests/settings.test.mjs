// The council's settings in the browser, on SQLite and on PostgreSQL. An admin with JavaScript
// off sends the form with mistakes (each explained, what was typed kept), then changes the
// sponsors a proposal needs, the moderation target, a bank holiday moved away and who gets the
// office's notices; checks the changes, goes back to change one, and saves. The start page then
// asks for the new number of sponsors and target, the audit trail holds each change with its
// reason, a viewer reads the values but cannot change them, and a save from a page read before
// another save is refused. With JavaScript on, the admin saves again; then a script changes one
// from the command line, and the running site takes it up within seconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  startSmtp, startServer, launchBrowser, createPostgresDatabase, officer, binary, root, browserContext,
} from './harness.mjs';

let smtp, browser;

before(async () => {
  smtp = await startSmtp();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await smtp?.stop();
});

const context = (server, javaScriptEnabled, cookie) => browserContext(browser, server, javaScriptEnabled, cookie);

const SPONSORS = 'Sponsors a proposed petition needs';
const TARGET = 'Working days the office has to decide on a proposed petition';
const CANCELLED = 'Bank holidays moved away from their usual date';
const NOTICES = "Who gets the electoral office's notices";
const REASON = 'Why are you changing them?';

async function settings(extraEnv) {
  const server = await startServer(smtp.port, { OFFICER_EMAIL: 'elections@council.example', ...extraEnv });
  try {
    const admin = await officer(server, 'admin');
    const c = await context(server, false, admin.cookie);
    const page = await c.newPage();
    await page.goto(`${server.url}/officer`);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    assert.equal(await page.getByLabel(SPONSORS).inputValue(), '5');
    assert.equal(await page.getByLabel(NOTICES).inputValue(), 'elections@council.example');
    assert.match(await page.locator('body').innerText(), /Now 5 sponsors: from the server's environment \(SPONSORS_NEEDED\)/);

    // Mistakes: each explained, at the top and at its field; what was typed stays.
    await page.getByLabel(SPONSORS).fill('six');
    await page.getByLabel(CANCELLED).fill('2027-05-31\n2027-02-30');
    await page.getByRole('button', { name: 'Continue' }).click();
    const summary = await page.locator('.error-summary').innerText();
    assert.match(summary, /Sponsors a proposed petition needs: enter a whole number from 0 to 100/);
    assert.match(summary, /"2027-02-30" is not a date like 2027-06-04/);
    assert.match(summary, /Say why the settings are changing/);
    assert.equal(await page.getByLabel(SPONSORS).inputValue(), 'six');
    assert.equal(await page.getByLabel(SPONSORS).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel(CANCELLED).inputValue(), '2027-05-31\n2027-02-30');

    // The changes, checked before they are made; "change your answers" keeps them.
    await page.getByLabel(SPONSORS).fill('3');
    await page.getByLabel(TARGET).fill('12');
    await page.getByLabel(CANCELLED).fill('2027-05-31');
    await page.getByLabel(NOTICES).fill('clerk@council.example\nelections@council.example');
    await page.getByLabel(REASON).fill('Council decision 41/2026');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Change 4 settings?' }).waitFor();
    const check = await page.getByTestId('check').innerText();
    assert.match(check, /3 sponsors \(now 5 sponsors\)/);
    assert.match(check, /12 working days \(now 10 working days\)/);
    assert.match(check, /2027-05-31 \(now none\)/);
    assert.match(check, /clerk@council\.example, elections@council\.example \(now elections@council\.example\)/);
    assert.match(check, /Council decision 41\/2026/);
    await page.getByRole('button', { name: 'Change your answers' }).click();
    assert.equal(await page.getByLabel(SPONSORS).inputValue(), '3');
    assert.equal(await page.getByLabel(REASON).inputValue(), 'Council decision 41/2026');
    await page.getByLabel(TARGET).fill('15');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.getByTestId('check').innerText(), /15 working days \(now 10 working days\)/);
    await page.getByRole('button', { name: 'Save the settings' }).click();
    assert.match(await page.getByTestId('saved').innerText(), /4 settings were changed/);
    assert.equal(await page.getByLabel(SPONSORS).inputValue(), '3');
    assert.match(await page.locator('body').innerText(), new RegExp(`saved by ${admin.email.replaceAll('.', '\\.')} at`));

    // Residents see the new policy at once (this server saved it).
    const start = await (await fetch(`${server.url}/start`)).text();
    assert.match(start, /3 other electors of the area sponsor it, then the electoral office checks it, usually within 15 working days/);

    // The trail: each change from its old value to its new, with the reason.
    const trail = await (await admin.fetch('/officer/audit?action=setting')).text();
    for (const detail of ['from 5 sponsors to 3 sponsors', 'from 10 working days to 15 working days', 'from none to 2027-05-31']) {
      assert.ok(trail.includes(detail), detail);
    }
    const rows = [...trail.matchAll(/<tr data-action="setting">([\s\S]*?)<\/tr>/g)].map((m) => m[1]);
    assert.equal(rows.length, 4, 'a row for each change');
    assert.ok(rows.every((r) => r.includes('Council decision 41/2026')), 'each with the reason');

    // A viewer reads them and cannot change them.
    const viewer = await officer(server, 'viewer');
    const read = await (await viewer.fetch('/officer/settings')).text();
    assert.match(read, /Only an admin can change them/);
    assert.match(read, /data-setting="sponsors-needed">3 sponsors/);
    assert.ok(!read.includes('settings-form'), 'no form for a viewer');
    const tried = await viewer.fetch('/officer/settings', {
      method: 'POST', body: new URLSearchParams({ 'sponsors-needed': '0', reason: 'x', version: '1', confirm: 'yes' }),
    });
    assert.equal(tried.status, 403);
    const worker = await officer(server, 'officer');
    assert.equal((await worker.fetch('/officer/settings', {
      method: 'POST', body: new URLSearchParams({ 'sponsors-needed': '0', reason: 'x', version: '1', confirm: 'yes' }),
    })).status, 403, 'nor can an officer');

    // A save from a page read before the last save is refused, and changes nothing.
    const stale = await admin.fetch('/officer/settings', {
      method: 'POST', body: new URLSearchParams({ 'sponsors-needed': '8', reason: 'late', version: '0', confirm: 'yes' }),
    });
    assert.equal(stale.status, 422);
    assert.match(await stale.text(), /Another admin changed the settings since you read them/);
    assert.match(await (await fetch(`${server.url}/start`)).text(), /3 other electors/);

    // With JavaScript on, the same form.
    const js = await context(server, true, admin.cookie);
    const p2 = await js.newPage();
    await p2.goto(`${server.url}/officer/settings`);
    await p2.getByLabel(SPONSORS).fill('1');
    await p2.getByLabel(REASON).fill('Trial with one sponsor');
    await p2.getByRole('button', { name: 'Continue' }).click();
    await p2.getByRole('heading', { name: 'Change 1 setting?' }).waitFor();
    await p2.getByRole('button', { name: 'Save the settings' }).click();
    await p2.getByTestId('saved').waitFor();
    assert.match(await p2.getByTestId('saved').innerText(), /1 setting was changed/);
    assert.match(await (await fetch(`${server.url}/start`)).text(), /One other elector of the area sponsors it/);

    // A script changes one through the command line, as another server would: the site reads
    // the settings again within seconds, and the trail names the command line.
    const printed = execFileSync(binary, ['settings', 'set', 'sponsors-needed', '2', '--reason', 'From a script'],
      { cwd: root, env: server.env }).toString();
    assert.match(printed, /sponsors-needed: now 2 sponsors/);
    const listed = execFileSync(binary, ['settings'], { cwd: root, env: server.env }).toString();
    assert.match(listed, /sponsors-needed: 2 sponsors \(saved by command line/);
    assert.match(listed, /moderation-working-days: 15 working days \(saved by /);
    assert.match(listed, /repeat-refusal-years: 2 years \(from REPEAT_REFUSAL_YEARS\)/);
    let seen = '';
    for (let i = 0; i < 40 && !/2 other electors/.test(seen); i++) {
      await new Promise((r) => setTimeout(r, 250));
      seen = await (await fetch(`${server.url}/start`)).text();
    }
    assert.match(seen, /2 other electors of the area sponsor it/, 'within the servers\' 5 seconds');
    assert.match(await (await admin.fetch('/officer/audit?action=setting')).text(), /From a script/);

    // A page read before someone else's save: refused once, with the values now in force shown,
    // then saved after a second look.
    await page.goto(`${server.url}/officer/settings`);
    execFileSync(binary, ['settings', 'set', 'repeat-refusal-years', '3', '--reason', 'Meanwhile'], { cwd: root, env: server.env });
    await page.getByLabel(SPONSORS).fill('4');
    await page.getByLabel(REASON).fill('Back to four');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.locator('.error-summary').innerText(), /Another admin changed the settings since you read them/);
    assert.match(await page.locator('body').innerText(), /Now 3 years: saved by command line/);
    assert.equal(await page.getByLabel(SPONSORS).inputValue(), '4', 'what was typed is kept');
    assert.equal(await page.getByLabel('Years a refusal for repeating an earlier petition may look back').inputValue(), '3',
      'a field left alone shows the value now in force, so saving does not undo the other save');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Change 1 setting?' }).waitFor();
    assert.match(await page.getByTestId('check').innerText(), /4 sponsors \(now 2 sponsors\)/);
    await page.getByRole('button', { name: 'Save the settings' }).click();
    assert.match(await page.getByTestId('saved').innerText(), /1 setting was changed/);
    assert.match(execFileSync(binary, ['settings'], { cwd: root, env: server.env }).toString(), /repeat-refusal-years: 3 years/);
    await c.close();
    await js.close();
  } finally {
    await server.stop();
  }
}

test('an admin changes the settings, checked and audited, on SQLite', async () => {
  await settings({});
});

test('an admin changes the settings, checked and audited, on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  try {
    await settings({ DATABASE_URL: pg.url });
  } finally {
    pg.drop();
  }
});
