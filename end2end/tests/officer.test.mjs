// The officer workspace end to end, on SQLite and on PostgreSQL: the first admin made at the
// command line sets the account up and signs in with a password and a TOTP code (computed here)
// in Chromium with JavaScript on; invites an officer and a viewer, whose invitations arrive by
// SMTP; the officer, with JavaScript off, strikes and reinstates a signature and pauses and
// resumes a petition, each checked before it is made and in the audit trail, and uploads reference
// data (checked line by line, then imported by the admin); an observer then
// checks the live log. Then every officer route as anonymous, viewer, officer and admin;
// slowing down and then locking after repeated failures; and sessions that end, by hand and idle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSmtp, startServer, launchBrowser, createPostgresDatabase, root, totp, addOfficerAccount, setUpOverHttp,
  signInOverHttp, officer, demoElectors, OFFICER_PASSWORD, recoveryCodes, logEntries,
} from './harness.mjs';

const CASTLE_PETITION = 3;
const CASTLE_WARD = 'E05900002';
let smtp, browser;

before(async () => {
  smtp = await startSmtp();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await smtp?.stop();
});

const unescape = (s) => s.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function linkIn(mail, path) {
  const m = mail.text.match(new RegExp(`https?://\\S+${path}[A-Za-z0-9_-]+`));
  assert.ok(m, `no ${path} link in: ${mail.text}`);
  return m[0];
}

/** Signs and confirms as a demo elector over plain HTTP; returns nothing once counted. */
async function signAndConfirm(server, person, email, name = person.name) {
  const url = `${server.url}/petitions/${CASTLE_PETITION}/sign`;
  const html = await (await fetch(`${url}?postcode=${encodeURIComponent(person.postcode)}`)).text();
  const label = [...html.matchAll(/<label for="(address-\d+)">([^<]*)<\/label>/g)].find((m) => unescape(m[2]) === person.address);
  const uprn = html.match(new RegExp(`<input[^>]*id="${label[1]}"[^>]*value="([^"]+)"`))[1];
  const body = new URLSearchParams({ postcode: person.postcode, address: uprn, name, email, declared: 'yes' });
  assert.equal((await fetch(url, { method: 'POST', body, redirect: 'manual' })).status, 303);
  const mail = await smtp.waitFor((m) => m.to?.text === email && /^Confirm/.test(m.subject), `to ${email}`);
  return linkIn(mail, '/confirm/');
}

async function setUpInBrowser(context, link) {
  const page = await context.newPage();
  await page.goto(link);
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/ /g, '');
  await page.getByLabel('Password', { exact: true }).fill(OFFICER_PASSWORD);
  await page.getByLabel('Password again').fill(OFFICER_PASSWORD);
  await page.getByLabel('Code').fill(totp(secret));
  await page.getByRole('button', { name: 'Set up my account' }).click();
  const codes = await page.getByTestId('recovery-codes').locator('li').allInnerTexts();
  assert.equal(codes.length, 10, 'ten recovery codes, shown once');
  await page.close();
  return secret;
}

async function signInInBrowser(context, url, email, secret) {
  const page = await context.newPage();
  await page.goto(`${url}/officer`);
  assert.match(page.url(), /\/officer\/sign-in\?next=\/officer/, 'an officer page sends a stranger to sign in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(OFFICER_PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Code').fill(totp(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Petitions: officer view' }).waitFor();
  assert.match(await page.getByTestId('signed-in-as').innerText(), new RegExp(email.replace('.', '\\.')));
  const cookie = (await context.cookies()).find((c) => c.name === 'officer_session');
  assert.ok(cookie.httpOnly && cookie.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
  return page;
}

async function workspace(extraEnv, tag) {
  const server = await startServer(smtp.port, { SIGN_PER_IP_PER_MINUTE: '1000', ...extraEnv });
  const violations = [];
  try {
    // The first admin, from the command line; set up and signed in with JavaScript on.
    const adminEmail = `admin-${tag}@council.example`;
    const admin = await browser.newContext({ javaScriptEnabled: true });
    const adminSecret = await setUpInBrowser(admin, addOfficerAccount(server, adminEmail, 'admin'));
    const page = await signInInBrowser(admin, server.url, adminEmail, adminSecret);
    page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) violations.push(m.text()); });

    // Invitations for an officer and a viewer, by email.
    await page.getByRole('link', { name: 'Accounts' }).click();
    const invited = {};
    for (const role of ['officer', 'viewer']) {
      const email = `${role}-${tag}@council.example`;
      await page.getByLabel('Their work email address').fill(email);
      await page.getByLabel(new RegExp(`^${role[0].toUpperCase()}${role.slice(1)}:`)).check();
      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await page.getByText('Invitation sent').waitFor();
      const mail = await smtp.waitFor((m) => m.to?.text === email && /Set up your officer account/.test(m.subject), `to ${email}`);
      invited[role] = { email, link: linkIn(mail, '/officer/set-up/') };
    }
    assert.match(await page.getByTestId('accounts').innerText(), /Invited: not set up yet/);

    // The officer works with JavaScript off.
    const context = await browser.newContext({ javaScriptEnabled: false });
    const officerSecret = await setUpInBrowser(context, invited.officer.link);
    const op = await signInInBrowser(context, server.url, invited.officer.email, officerSecret);

    // A resident signs, so there is a signature to strike.
    const person = demoElectors(120).find((p) => p.ward === CASTLE_WARD);
    const confirm = await signAndConfirm(server, person, `resident-${tag}@example.org`);
    assert.equal((await fetch(confirm, { method: 'POST', body: new URLSearchParams() })).status, 200);

    await op.goto(`${server.url}/officer/petitions/${CASTLE_PETITION}/signatures?q=${encodeURIComponent(person.name)}`);
    const row = op.locator('tr[data-signature]').first();
    const sigId = await row.getAttribute('data-signature');
    assert.equal(await row.getByTestId('status').innerText(), 'Counted');
    // No reason: the form comes back with the problem, and nothing changes.
    await row.getByRole('button', { name: 'Strike…' }).click();
    assert.match(await op.locator('.error-summary').innerText(), /Choose a reason/);
    const again = op.locator(`tr[data-signature="${sigId}"]`);
    await again.getByLabel('Reason').selectOption('fraud');
    await again.getByLabel('Why (for the audit trail)').fill('the elector wrote to say they did not sign');
    await again.getByRole('button', { name: 'Strike…' }).click();
    assert.match(await op.getByTestId('effect').innerText(), /Valid signatures go from \d+ to \d+/);
    await op.getByRole('button', { name: `Strike signature` }).click();
    assert.match(await op.getByTestId('done').innerText(), new RegExp(`Signature ${sigId}: struck`));
    assert.match(await op.locator(`tr[data-signature="${sigId}"]`).getByTestId('status').innerText(), /Struck \(fraud\)/);
    await op.locator(`tr[data-signature="${sigId}"]`).getByLabel('Why reinstate').fill('the letter was about another petition');
    await op.locator(`tr[data-signature="${sigId}"]`).getByRole('button', { name: 'Reinstate…' }).click();
    await op.getByRole('button', { name: 'Reinstate signature' }).click();
    assert.equal(await op.locator(`tr[data-signature="${sigId}"]`).getByTestId('status').innerText(), 'Counted');

    // The review queue: a name the register does not have at that address, shown with why; approved.
    const castle = demoElectors(120).filter((p) => p.ward === CASTLE_WARD);
    const unmatched = await signAndConfirm(server, castle[2], `unmatched-${tag}@example.org`, 'Zebedee Quartermaine');
    assert.match(await (await fetch(unmatched, { method: 'POST', body: new URLSearchParams() })).text(), /check|review/i);
    await op.goto(`${server.url}/officer/review?petition=${CASTLE_PETITION}`);
    const item = op.locator('section.review-item', { hasText: 'Zebedee Quartermaine' });
    assert.match(await item.innerText(), /name differs/);
    await item.getByRole('button', { name: 'Approve…' }).click();
    await op.getByRole('button', { name: 'Approve signature' }).click();
    assert.match(await op.getByTestId('done').innerText(), /approve/);
    assert.equal(await op.locator('section.review-item', { hasText: 'Zebedee Quartermaine' }).count(), 0, 'approved, so no longer waiting');

    // A bulk strike by a list of references: previewed, then made.
    await op.goto(`${server.url}/officer/petitions/${CASTLE_PETITION}/bulk`);
    await op.getByLabel('A list of signature references').check();
    // As a file: the officers' own download, cut down to the rows to strike.
    await op.getByLabel('Or a file of them').setInputFiles({
      name: 'to-strike.csv', mimeType: 'text/csv', buffer: Buffer.from(`reference,name,status\n${sigId},"${person.name}",confirmed\n`),
    });
    await op.getByLabel('Reason').selectOption('duplicate');
    await op.getByLabel('Why (for the audit trail)').fill('also signed on paper');
    await op.getByRole('button', { name: 'Check what this strikes' }).click();
    assert.match(await op.getByTestId('check').innerText(), /1 listed references[\s\S]*E05900002: 1/);
    await op.getByRole('button', { name: 'Strike 1 signatures' }).click();
    assert.match(await op.getByTestId('done').innerText(), /1 signatures struck together/);
    assert.match(await op.locator(`tr[data-signature="${sigId}"]`).getByTestId('status').innerText(), /Struck \(duplicate\)/);

    // Reference data from the browser, JavaScript off: a file with bad lines is reported line by
    // line and changes nothing.
    await op.goto(`${server.url}/officer/reference`);
    await op.getByRole('link', { name: 'Upload a file' }).click();
    await op.getByRole('button', { name: 'Check the file' }).click();
    assert.match(await op.locator('.error-summary').innerText(), /Choose what the file holds[\s\S]*Choose a file/);
    await op.getByLabel(/^Electorates:/).check();
    await op.getByLabel('The file', { exact: true }).setInputFiles({
      name: 'electorates-bad.csv', mimeType: 'text/csv',
      buffer: Buffer.from(`area_code,register_date,electorate\n${CASTLE_WARD},2026-09-01,4321\nE05999999,2026-09-01,5\n${CASTLE_WARD},2026-09-31,5\n`),
    });
    await op.getByRole('button', { name: 'Check the file' }).click();
    assert.match(await op.getByTestId('upload-outcome').innerText(), /Nothing was imported: 2 line problem/);
    const problems = await op.getByTestId('upload-problems').locator('tbody tr').allInnerTexts();
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^3\s+area_code "E05999999" is not a known area/);
    assert.match(problems[1], /^4\s+register_date: must be a real date/);
    assert.equal(await op.getByRole('button', { name: /^Import/ }).count(), 0, 'a file with problems cannot be imported');
    await op.goto(`${server.url}/officer/reference`);
    assert.ok(!(await op.getByTestId('electorates').innerText()).includes('2026-09-01'), 'nothing was imported');

    // ...and the corrected file, uploaded by the admin with JavaScript on, is checked, then imported.
    await page.goto(`${server.url}/officer/reference/upload`);
    await page.getByLabel(/^Electorates:/).check();
    await page.getByLabel('The file', { exact: true }).setInputFiles({
      name: 'electorates.csv', mimeType: 'text/csv', buffer: Buffer.from(`area_code,register_date,electorate\n${CASTLE_WARD},2026-09-01,4321\n`),
    });
    await page.getByRole('button', { name: 'Check the file' }).click();
    assert.match(await page.getByTestId('upload-outcome').innerText(), /Every line is sound\. Importing it writes 1 row/);
    assert.match(await page.getByTestId('upload-facts').innerText(), /electorates\.csv[\s\S]*[0-9a-f]{64}/);
    await page.getByRole('button', { name: 'Import 1 row(s)' }).click();
    assert.match(await page.getByTestId('done').innerText(), /Imported 1 row\(s\) from electorates\.csv/);
    assert.match(await page.getByTestId('electorates').innerText(), /2026-09-01\s+4,321/);
    await page.goto(`${server.url}/officer/audit`);
    assert.match(await page.getByTestId('audit').innerText(), /import[\s\S]*electorates file electorates\.csv/);

    // The office's CSV (recorded in the trail) and the public counts (no sign-in).
    const officerCookie = (await context.cookies()).find((c) => c.name === 'officer_session');
    const csv = await fetch(`${server.url}/officer/petitions/${CASTLE_PETITION}/signatures.csv`, { headers: { cookie: `officer_session=${officerCookie.value}` } });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    assert.equal(csv.headers.get('cache-control'), 'no-store');
    const rows = await csv.text();
    assert.ok(rows.startsWith('reference,name,address,postcode,ward,email,status,confirmed,strike_reason\n'));
    assert.ok(rows.includes(person.name) && rows.includes(',struck,'), 'the CSV names signers and their strikes');
    const counts = await (await fetch(`${server.url}/petitions/${CASTLE_PETITION}/counts.json`)).json();
    assert.equal(counts.petition_id, CASTLE_PETITION);
    assert.ok(counts.areas.some((a) => a.code === CASTLE_WARD && a.valid > 0), JSON.stringify(counts));
    const countsCsv = await (await fetch(`${server.url}/petitions/${CASTLE_PETITION}/counts.csv`)).text();
    assert.match(countsCsv, /^area_code,area_name,recorded,struck,valid\n/);
    assert.ok(!countsCsv.includes(person.name), 'no personal data in public counts');

    // Pause, then a confirmation is refused; resume, and it counts.
    const waiting = await signAndConfirm(server, castle[1], `second-${tag}@example.org`);
    await op.goto(`${server.url}/officer/petitions/${CASTLE_PETITION}`);
    await op.getByLabel('Why, for example').fill('polling day for a by-election');
    await op.getByRole('button', { name: 'Pause collection…' }).click();
    assert.match(await op.getByTestId('effect').innerText(), /Nobody can sign or confirm/);
    await op.getByRole('button', { name: 'Pause collection' }).click();
    assert.equal(await op.getByTestId('state').innerText(), 'Paused');
    const paused = await (await fetch(waiting, { method: 'POST', body: new URLSearchParams() })).text();
    assert.match(paused, /paused/i, 'a confirmation during the pause is refused, saying why');
    await op.getByLabel('Why collection resumes').fill('the by-election is over');
    await op.getByRole('button', { name: 'Resume collection…' }).click();
    await op.getByRole('button', { name: 'Resume collection' }).click();
    assert.notEqual(await op.getByTestId('state').innerText(), 'Paused');
    assert.match(await (await fetch(waiting, { method: 'POST', body: new URLSearchParams() })).text(), /Your signature is counted/);
    await op.reload();
    await op.getByRole('button', { name: 'Recount now' }).click();
    assert.match(await op.getByTestId('recount').innerText(), /A recount from the signature rows agrees with the counters/);

    // The audit trail of the petition names the officer, each action and each reason.
    const trail = await op.getByTestId('audit').innerText();
    for (const want of ['strike', 'reinstate', 'approve', 'export', 'recount', 'pause', 'resume', invited.officer.email,
      'polling day for a by-election', 'the elector wrote to say they did not sign', 'bulk: 1 listed references']) {
      assert.ok(trail.includes(want), `the audit trail shows ${want}:\n${trail}`);
    }
    // The viewer sees it all and can change nothing.
    const viewerSecret = await setUpOverHttp(invited.viewer.link);
    const viewerCookie = await signInOverHttp(server.url, invited.viewer.email, viewerSecret);
    const seen = unescape(await (await fetch(`${server.url}/officer/petitions/${CASTLE_PETITION}/signatures?q=${sigId}`, { headers: { cookie: viewerCookie } })).text());
    assert.ok(seen.includes(person.name), 'viewers see names');
    assert.ok(!seen.includes('Strike…'), 'viewers are offered no actions');
    const reference = await (await fetch(`${server.url}/officer/reference`, { headers: { cookie: viewerCookie } })).text();
    assert.match(reference, /data-testid="electorates"[\s\S]*Rivermouth \(/, 'the loaded electorates are listed with their dates');
    assert.match(reference, /Postcodes in use<\/dt><dd>[1-9]/);
    const refused = await fetch(`${server.url}/officer/signatures/${sigId}/strike`, {
      method: 'POST', headers: { cookie: viewerCookie }, body: new URLSearchParams({ reason: 'fraud', note: 'x', confirm: 'yes' }), redirect: 'manual',
    });
    assert.equal(refused.status, 403, 'a viewer cannot strike');

    // An observer with only the verifier keys checks the whole live log, pause and resume included.
    const observer = join(root, 'target', 'debug', 'petition-observer');
    assert.ok(existsSync(observer), `the observer is built first: ${observer}`);
    const keys = server.log().match(/with verifier keys (\S+) and (\S+)/);
    const work = mkdtempSync(join(tmpdir(), 'observer-'));
    writeFileSync(join(work, 'keys'), `${keys[1]}\n${keys[2]}\n`);
    let out;
    for (let tries = 0; tries < 40; tries++) {
      const tally = await (await fetch(`${server.url}/log/tally/${CASTLE_PETITION}`)).text();
      if (/^window \d+ \d+$/m.test(tally)) {
        out = spawnSync(observer, ['sync', server.url, '--keys', join(work, 'keys'), '--state', join(work, 'state')]);
        if (out.status === 0 && (await entriesInclude(server, `resume/v1 id=${CASTLE_PETITION} `))) break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
    assert.ok(await entriesInclude(server, `pause/v1 id=${CASTLE_PETITION} `), 'the pause is in the log');
    assert.deepEqual(violations, [], 'no Content-Security-Policy violations');

    // Signing out ends the session on the server, not only in this browser.
    const cookie = (await context.cookies()).find((c) => c.name === 'officer_session');
    await op.getByRole('button', { name: 'Sign out' }).click();
    const after = await fetch(`${server.url}/officer`, { headers: { cookie: `officer_session=${cookie.value}` }, redirect: 'manual' });
    assert.equal(after.status, 303, 'the old cookie no longer signs anyone in');
    await context.close();
    await admin.close();
  } finally {
    await server.stop();
  }
}

/** Whether an entry of the log (read as an observer would, from the tiles) starts with `text`. */
async function entriesInclude(server, text) {
  return (await logEntries(server)).some((e) => e.startsWith(text));
}

test('officers set up, sign in with two factors, and strike, reinstate, pause and resume, on SQLite', async () => {
  await workspace({}, 'sqlite');
});

test('officers set up, sign in with two factors, and strike, reinstate, pause and resume, on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  try {
    await workspace({ DATABASE_URL: pg.url }, 'postgres');
  } finally {
    pg.drop();
  }
});

// Every officer route, and what each role may do there. Written out here, apart from the
// server's own table, so that a change to either is caught.
const ROUTES = [
  ['GET', '/officer', 'viewer'],
  ['GET', `/officer/petitions/${CASTLE_PETITION}`, 'viewer'],
  ['GET', `/officer/petitions/${CASTLE_PETITION}/signatures`, 'viewer'],
  ['GET', '/officer/account', 'viewer'],
  ['GET', '/officer/check', 'viewer'],
  ['POST', '/officer/account/sessions/999999/end', 'viewer'],
  ['POST', '/officer/account/sign-out-everywhere', 'viewer'],
  ['POST', '/officer/signatures/999999/strike', 'officer'],
  ['POST', '/officer/signatures/999999/reinstate', 'officer'],
  ['POST', '/officer/signatures/999999/approve', 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/pause`, 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/resume`, 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/recount`, 'officer'],
  ['GET', '/officer/review', 'viewer'],
  ['GET', '/officer/reference', 'viewer'],
  ['GET', '/officer/reference/upload', 'officer'],
  ['POST', '/officer/reference/upload', 'officer'],
  ['GET', '/officer/reference/uploads/999999', 'officer'],
  ['POST', '/officer/reference/uploads/999999/import', 'officer'],
  ['GET', `/officer/petitions/${CASTLE_PETITION}/bulk`, 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/bulk`, 'officer'],
  ['GET', `/officer/petitions/${CASTLE_PETITION}/signatures.csv`, 'officer'],
  ['GET', `/officer/petitions/${CASTLE_PETITION}/verify`, 'viewer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/seed-plan`, 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/sample`, 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/certify`, 'officer'],
  ['POST', `/officer/petitions/${CASTLE_PETITION}/council`, 'officer'],
  ['GET', '/officer/moderation', 'viewer'],
  ['GET', '/officer/proposals/999999', 'viewer'],
  ['POST', '/officer/proposals/999999/open', 'officer'],
  ['POST', '/officer/proposals/999999/return', 'officer'],
  ['POST', '/officer/proposals/999999/refuse', 'officer'],
  ['GET', '/officer/settings', 'viewer'],
  ['POST', '/officer/settings', 'admin'],
  ['GET', '/officer/accounts', 'admin'],
  ['GET', '/officer/audit', 'admin'],
  ['POST', '/officer/accounts', 'admin'],
  ['POST', '/officer/accounts/999999/role', 'admin'],
  ['POST', '/officer/accounts/999999/disable', 'admin'],
  ['POST', '/officer/accounts/999999/set-up-again', 'admin'],
  ['GET', '/officer/anything-else', 'admin'],
];
const RANK = { anonymous: 0, viewer: 1, officer: 2, admin: 3 };

test('every officer route allows exactly the roles it should', async () => {
  const server = await startServer(smtp.port);
  try {
    const as = { anonymous: null };
    for (const role of ['viewer', 'officer', 'admin']) as[role] = await officer(server, role);
    for (const [method, path, least] of ROUTES) {
      for (const [who, session] of Object.entries(as)) {
        const init = { method, redirect: 'manual', headers: session ? { cookie: session.cookie } : {} };
        if (method === 'POST') init.body = new URLSearchParams({ reason: '' });
        const r = await fetch(`${server.url}${path}`, init);
        const allowed = RANK[who] >= RANK[least];
        const where = `${who} ${method} ${path}: ${r.status}`;
        if (who === 'anonymous') {
          assert.equal(r.status, method === 'GET' ? 303 : 401, where);
          if (method === 'GET') assert.match(r.headers.get('location'), /^\/officer\/sign-in\?next=/, where);
        } else if (allowed) {
          assert.ok(![401, 403].includes(r.status), where);
        } else {
          assert.equal(r.status, 403, where);
        }
        assert.equal(r.headers.get('cache-control'), 'no-store', `${where}: officer responses are never cached`);
      }
    }
    // The sign-in pages are open to all.
    for (const path of ['/officer/sign-in', '/officer/forgot-password']) {
      assert.equal((await fetch(`${server.url}${path}`)).status, 200, path);
    }
  } finally {
    await server.stop();
  }
});

test('repeated failures slow sign-in down, the same for an unknown address, and sessions can be ended', async () => {
  const server = await startServer(smtp.port);
  try {
    const email = 'locked@council.example';
    const secret = await setUpOverHttp(addOfficerAccount(server, email, 'officer'));
    const attempt = (who, password) => fetch(`${server.url}/officer/sign-in`, {
      method: 'POST', body: new URLSearchParams({ email: who, password }), redirect: 'manual',
    }).then(async (r) => ({ status: r.status, text: (await r.text()).replaceAll(who, 'EMAIL') }));
    const answers = {};
    for (const who of [email, 'nobody@council.example']) {
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push(await attempt(who, 'not the password at all'));
      assert.deepEqual(seen.map((r) => r.status), [422, 422, 422, 429], who);
      // Two seconds after the third failure, counted in whole seconds of the server's clock.
      assert.match(seen[3].text, /Too many attempts\. Wait (2 seconds|a second)/);
      const right = await attempt(who, OFFICER_PASSWORD);
      assert.equal(right.status, 429, `${who}: while slowed down, even the right password waits`);
      answers[who] = seen.map((r) => r.text
        .replace(/<script[\s\S]*?<\/script>|(nonce|crossorigin)="[^"]*"/g, '')
        .replace(/Wait (2 seconds|a second)/g, 'Wait …'));
    }
    assert.deepEqual(answers[email], answers['nobody@council.example'], 'the answers do not tell which address has an account');
    await new Promise((r) => setTimeout(r, 2100));
    const signedIn = await signInOverHttp(server.url, email, secret);
    assert.equal((await fetch(`${server.url}/officer`, { headers: { cookie: signedIn }, redirect: 'manual' })).status, 200,
      'once the wait is over, the right password and code sign in');
    // A second browser ends the first's session.
    const other = 'two-sessions@council.example';
    const s2 = await setUpOverHttp(addOfficerAccount(server, other, 'viewer'));
    const first = await signInOverHttp(server.url, other, s2);
    // The authenticator's code is spent for this time step: the second browser uses a recovery code.
    const second = await signInOverHttp(server.url, other, s2, recoveryCodes.get(s2)[0].toUpperCase());
    const ended = await fetch(`${server.url}/officer/account/sign-out-everywhere`, { method: 'POST', headers: { cookie: second }, redirect: 'manual' });
    assert.equal(ended.status, 303);
    assert.equal((await fetch(`${server.url}/officer`, { headers: { cookie: first }, redirect: 'manual' })).status, 303, 'the first session has ended');
    assert.equal((await fetch(`${server.url}/officer`, { headers: { cookie: second }, redirect: 'manual' })).status, 200, 'this one goes on');
  } finally {
    await server.stop();
  }
});

test('ten failures lock sign-in, the same for an unknown address, while an idle session ends and a busy one goes on', async () => {
  // In real time: the waits after the third to ninth failures add up to about three minutes,
  // which is also long enough for a session left alone to pass its one-minute idle limit.
  const server = await startServer(smtp.port, { OFFICER_IDLE_MINUTES: '1', SIGN_IN_PER_IP_PER_MINUTE: '1000' });
  let keepBusy;
  try {
    const idle = await officer(server, 'viewer', 'idle@council.example');
    const busy = await officer(server, 'viewer', 'busy@council.example');
    keepBusy = setInterval(() => { busy.fetch('/officer').catch(() => {}); }, 15_000);
    const email = 'lock@council.example';
    await setUpOverHttp(addOfficerAccount(server, email, 'officer'));
    const attempt = (who, password) => fetch(`${server.url}/officer/sign-in`, {
      method: 'POST', body: new URLSearchParams({ email: who, password }), redirect: 'manual',
    }).then(async (r) => ({ status: r.status, text: (await r.text()).replaceAll(who, 'EMAIL') }));
    // What an answer says: its status and its error summary, with the seconds and times masked.
    const words = (r) => `${r.status} ${(r.text.match(/<ul><li><a href="#email">([^<]*)</) || ['', ''])[1]}`
      .replace(/Wait (\d+ seconds|a second)/g, 'Wait …').replace(/locked until [^.<]+/g, 'locked until …');
    // Fails until sign-in locks (the tenth failure's answer says so), waiting whenever told to;
    // returns every answer.
    const failTenTimes = async (who) => {
      const seen = [];
      for (;;) {
        const r = await attempt(who, 'not the password at all');
        seen.push(words(r));
        if (/locked until/.test(r.text)) return seen;
        if (r.status === 429) {
          const wait = r.text.match(/Wait (\d+) seconds|Wait (a) second/);
          assert.ok(wait, `${who}: ${words(r)}`);
          await new Promise((done) => setTimeout(done, (wait[1] ? Number(wait[1]) : 1) * 1000 + 300));
        } else {
          assert.equal(r.status, 422, `${who}: ${words(r)}`);
        }
      }
    };
    const [known, unknown] = await Promise.all([failTenTimes(email), failTenTimes('nobody-here@council.example')]);
    const locked = await attempt(email, OFFICER_PASSWORD);
    assert.equal(locked.status, 429);
    assert.match(locked.text, /Signing in to this account is locked until/, 'the right password is refused once locked');
    const lockedToo = await attempt('nobody-here@council.example', OFFICER_PASSWORD);
    assert.equal(words(lockedToo), words(locked), 'an unknown address is locked alike');
    const failuresOnly = (seen) => seen.filter((w) => !w.includes('Wait …'));
    assert.equal(failuresOnly(known).length, 10, known.join('\n'));
    assert.deepEqual(failuresOnly(known), failuresOnly(unknown), 'the failures read the same');
    assert.match(known.at(-1), /^429 .*locked until …/);
    assert.ok(known.some((w) => w.startsWith('429') && w.includes('Wait …')), 'it slowed down before it locked');
    // Well over a minute has passed: the idle session has ended; the busy one has not.
    const idleNow = await idle.fetch('/officer');
    assert.equal(idleNow.status, 303, 'an idle session ends after OFFICER_IDLE_MINUTES');
    assert.match(idleNow.headers.get('location'), /^\/officer\/sign-in/);
    assert.equal((await busy.fetch('/officer')).status, 200, 'a session in use goes on');
  } finally {
    clearInterval(keepBusy);
    await server.stop();
  }
});

test('one client trying many addresses is slowed down too', async () => {
  const server = await startServer(smtp.port, { SIGN_IN_PER_IP_PER_MINUTE: '3' });
  try {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${server.url}/officer/sign-in`, {
        method: 'POST', body: new URLSearchParams({ email: `guess${i}@council.example`, password: 'a guess at a password' }), redirect: 'manual',
      });
      statuses.push(r.status);
      if (i === 3) assert.match(await r.text(), /Too many attempts from your connection/);
    }
    assert.deepEqual(statuses, [422, 422, 422, 429]);
  } finally {
    await server.stop();
  }
});
