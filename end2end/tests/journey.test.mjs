// The resident's journey end to end, in real Chromium with JavaScript on and again with it off:
// postcode search, sign, read the email from a real SMTP server, confirm, see the count move,
// download the receipt, withdraw. Plus refusals of bad input and of cross-site posts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { startSmtp, startServer, demoElectors, launchBrowser, createPostgresDatabase } from './harness.mjs';

const DISTRICT_PETITION = 'Hold a referendum on having a directly elected mayor for Rivermouth';
let smtp, server, browser, people;

before(async () => {
  smtp = await startSmtp();
  server = await startServer(smtp.port);
  browser = await launchBrowser();
  people = demoElectors(6);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
});

/** The CSP hash sources of a page's inline scripts, as a browser computes them. */
function inlineScriptHashes(html) {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    .filter(([, attributes, content]) => !/\bsrc=/.test(attributes) && content.length > 0)
    .map(([, , content]) => `'sha256-${createHash('sha256').update(content).digest('base64')}'`);
}

async function count(page) {
  return Number((await page.getByTestId('valid-count').innerText()).replace(/,/g, ''));
}

/** Reloads the petition page until its count is `want` (public pages may be cached for seconds). */
async function waitForCount(page, want) {
  const until = Date.now() + 30000;
  for (;;) {
    await page.reload();
    const n = await count(page);
    if (n === want) return;
    if (Date.now() > until) assert.fail(`the count stayed at ${n}, expected ${want}`);
    await page.waitForTimeout(1000);
  }
}

function linkIn(mail, kind) {
  const m = mail.text.match(new RegExp(`https?://\\S+/${kind}/[A-Za-z0-9_-]+`));
  assert.ok(m, `no ${kind} link in: ${mail.text}`);
  return m[0];
}

/** Submits the receipt until the server's check says `want` (the log signs within seconds). */
async function checkReceipt(page, receipt, want) {
  for (let tries = 0; ; tries++) {
    await page.getByLabel('Your receipt').fill(receipt);
    await page.getByRole('button', { name: 'Check my receipt' }).click();
    const said = await page.getByTestId('server-check').innerText();
    if (want.test(said)) return;
    assert.ok(tries < 30, `the receipt check said: ${said}`);
    await page.waitForTimeout(500);
  }
}

async function journey(server, javaScriptEnabled, person, tag) {
  const email = `resident-${tag}@example.org`;
  const context = await browser.newContext({ javaScriptEnabled, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const consoleErrors = [];
  const cspViolations = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });

  // 1. Postcode search, typed carelessly. Every response carries the security headers. The home
  // page, served from memory, names its inline scripts by hash (the CSP violations are counted
  // below: with JavaScript, they must run).
  const home = await page.goto(server.url + '/');
  const policy = home.headers()['content-security-policy'] ?? '';
  const hashes = inlineScriptHashes(await home.text());
  assert.ok(hashes.length > 0, 'the page has its loader script inline');
  for (const h of hashes) assert.ok(policy.includes(h), `the policy names ${h}: ${policy}`);
  assert.doesNotMatch(policy, /unsafe-inline|'nonce-/);
  for (const res of [home, await context.request.get(server.url + '/log/checkpoint')]) {
    const h = res.headers();
    assert.equal(h['x-content-type-options'], 'nosniff', res.url());
    assert.match(h['permissions-policy'] ?? '', /camera=\(\)/, res.url());
    assert.match(h['content-security-policy'] ?? '', /frame-ancestors 'none'/, res.url());
  }
  // With JavaScript the page hydrates; without, it stays server-rendered and still works.
  if (javaScriptEnabled) await page.locator('header[data-js="on"]').waitFor({ state: 'attached' });
  else assert.equal(await page.locator('header[data-js="on"]').count(), 0);
  const messy = ' ' + person.postcode.toLowerCase().replace(' ', '  ') + ' ';
  await page.getByLabel('Your postcode').fill(messy);
  await page.getByRole('button', { name: 'Find petitions' }).click();
  await page.getByRole('heading', { name: `Open petitions for ${person.postcode}` }).waitFor();
  assert.match(await page.locator('main').innerText(), /Rivermouth, Westshire/);

  // 2. The petition page: trigger, count, progress, wards.
  await page.getByRole('link', { name: DISTRICT_PETITION }).click();
  await page.getByRole('heading', { level: 1, name: DISTRICT_PETITION }).waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /Trigger: 5% of [\d,]+ electors = [\d,]+ valid signatures by \w+day \d+ \w+ \d{4}/);
  assert.match(text, /days left/);
  assert.match(text, /Verified signatures by ward/);
  const petitionUrl = page.url();
  const before = await count(page);

  // 3. Sign: postcode, address, name, email, declaration.
  await page.getByRole('link', { name: 'Sign this petition' }).click();
  await page.getByLabel('Your postcode').fill(person.postcode);
  await page.getByRole('button', { name: 'Find my address' }).click();
  await page.getByLabel(person.address, { exact: true }).check();

  // Bad input first: nothing filled in beyond the address.
  await page.getByRole('button', { name: 'Sign the petition' }).click();
  const summary = page.getByRole('alert');
  await summary.waitFor();
  const problems = await summary.innerText();
  assert.match(problems, /Enter your full name/);
  assert.match(problems, /Enter your email address/);
  assert.match(problems, /Confirm that you are on the electoral register/);
  // The chosen address is kept, and the messages sit beside their fields.
  assert.equal(await page.getByLabel(person.address, { exact: true }).isChecked(), true);
  assert.match(await page.locator('#email-error').innerText(), /Enter your email address/);

  await page.getByLabel('Full name').fill(person.name);
  await page.getByLabel('Email address').fill('not-an-email');
  await page.getByLabel(/I declare that I am on the electoral register/).check();
  await page.getByRole('button', { name: 'Sign the petition' }).click();
  assert.match(await page.getByRole('alert').innerText(), /correct format/);
  assert.equal(await page.getByLabel('Full name').inputValue(), person.name);

  await page.getByLabel('Email address').fill(email);
  if (!(await page.getByLabel(/I declare/).isChecked())) await page.getByLabel(/I declare/).check();
  await page.getByRole('button', { name: 'Sign the petition' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();

  // 4. The email, through the real SMTP server; the link opens a page with a button.
  const mail = await smtp.waitFor((m) => m.to?.text === email && /^Confirm your signature/.test(m.subject), `confirming to ${email}`);
  assert.ok(mail.messageId, 'the email has a Message-ID');
  const confirmUrl = linkIn(mail, 'confirm');
  assert.ok(confirmUrl.startsWith(server.url));
  await page.goto(confirmUrl);
  await page.getByRole('heading', { name: 'Confirm your signature' }).waitFor();
  // Opening the link alone changes nothing.
  await page.goto(petitionUrl);
  assert.equal(await count(page), before);
  await page.goto(confirmUrl);
  await page.getByRole('button', { name: 'Confirm my signature' }).click();
  await page.getByRole('heading', { name: 'Your signature is counted' }).waitFor();

  // 5. The receipt, shown once, downloadable, and it commits to what it says.
  const shown = await page.getByTestId('receipt').innerText();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download your receipt' }).click(),
  ]);
  const receipt = readFileSync(await download.path(), 'utf8');
  assert.equal(receipt.trim(), shown.trim());
  const lines = receipt.split('\n');
  assert.equal(lines[0], 'petition-receipt/v1');
  const id = lines[1].replace('petition ', '');
  const area = lines[2].replace('area ', '');
  assert.equal(area, person.ward);
  const r = Buffer.from(lines[3].replace('r ', ''), 'base64');
  assert.equal(r.length, 32);
  const commit = createHash('sha256').update(Buffer.concat([Buffer.from(`petition-sig/v1\n${id}\n${area}\n`), r])).digest('base64');
  assert.equal(lines[4], `commit ${commit}`);
  assert.ok(petitionUrl.endsWith(`/petitions/${id}`));

  // Confirming twice is harmless and does not show the receipt again.
  await page.goto(confirmUrl);
  await page.getByRole('button', { name: 'Confirm my signature' }).click();
  await page.getByRole('heading', { name: 'You have already confirmed' }).waitFor();
  assert.equal(await page.getByTestId('receipt').count(), 0);

  // The count moves.
  await page.goto(petitionUrl);
  await waitForCount(page, before + 1);

  // 5b. The receipt checks against the published log: by the server (any browser) and, with
  // JavaScript, by the browser itself from the log's public files.
  await page.goto(`${server.url}/receipt`);
  await page.getByLabel('Your receipt').fill('not a receipt');
  await page.getByRole('button', { name: 'Check my receipt' }).click();
  assert.match(await page.getByRole('alert').innerText(), /That is not a receipt/);
  await checkReceipt(page, receipt, /counts: it has not been struck/);
  if (javaScriptEnabled) {
    await page.locator('header[data-js="on"]').waitFor({ state: 'attached' });
    await page.getByTestId('check-here').click();
    await page.getByTestId('browser-check').filter({ hasText: /in the published log \(entry \d+ of \d+\) and counts/ }).waitFor();
  }

  // 6. Someone signing as the same elector from another mailbox sees the same page and gets a
  // link of their own, which then says the elector has signed; the count does not move. The
  // signer's own mailbox signing again hears that it has signed, and gets no new link.
  const signAs = async (address) => {
    await page.goto(`${petitionUrl}/sign?postcode=${encodeURIComponent(person.postcode)}`);
    await page.getByLabel(person.address, { exact: true }).check();
    await page.getByLabel('Full name').fill(person.name);
    await page.getByLabel('Email address').fill(address);
    await page.getByLabel(/I declare/).check();
    await page.getByRole('button', { name: 'Sign the petition' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  };
  const other = `other-${tag}@example.org`;
  await signAs(other);
  const otherLink = await smtp.waitFor((m) => m.to?.text === other && /^Confirm your signature/.test(m.subject), 'a link for the other mailbox');
  await page.goto(linkIn(otherLink, 'confirm'));
  await page.getByRole('button', { name: 'Confirm my signature' }).click();
  await page.getByRole('heading', { name: 'Your signature was not counted' }).waitFor();
  await signAs(email);
  const notice = await smtp.waitFor((m) => m.to?.text === email && /already signed/.test(m.subject), 'saying already signed');
  assert.doesNotMatch(notice.text, /\/withdraw\//, 'a repeat attempt sends no new link');
  await page.goto(petitionUrl);
  await waitForCount(page, before + 1);

  // 7. Withdraw through the link in the thank-you email, which the repeat attempts left working.
  const thanks = await smtp.waitFor((m) => m.to?.text === email && /^Thank you for signing/.test(m.subject), 'thanking');
  await page.goto(linkIn(thanks, 'withdraw'));
  await page.getByRole('button', { name: 'Withdraw my signature' }).click();
  await page.getByRole('heading', { name: 'Your signature is withdrawn' }).waitFor();
  await page.goto(petitionUrl);
  await waitForCount(page, before);
  // The log now records the withdrawal as a strike, and the receipt says so.
  await page.goto(`${server.url}/receipt`);
  await checkReceipt(page, receipt, /struck, for this reason: withdrawn/);

  assert.deepEqual(pageErrors, [], 'no script errors');
  assert.deepEqual(cspViolations, [], 'nothing the Content-Security-Policy refused');
  if (javaScriptEnabled) assert.deepEqual(consoleErrors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no console errors');
  await context.close();
  return { person, email };
}

test('the whole journey with JavaScript on', async () => {
  const { person, email } = await journey(server, true, people[0], 'js');
  const log = server.log();
  for (const secret of [person.name, email, person.postcode]) {
    assert.ok(!log.includes(secret), `the server log contains personal data: ${secret}`);
  }
});

test('the whole journey with JavaScript off', async () => {
  await journey(server, false, people[1], 'nojs');
});

test('the whole journey on PostgreSQL', async () => {
  const pg = createPostgresDatabase();
  const onPostgres = await startServer(smtp.port, { DATABASE_URL: pg.url });
  try {
    await journey(onPostgres, false, people[5], 'pg');
  } finally {
    await onPostgres.stop();
    pg.drop();
  }
});

test('public pages come from memory: the same compressed bytes for everyone, 304s, and no one else\'s form', async () => {
  const url = `${server.url}/petitions/1`;
  const [a, b] = [await fetch(url), await fetch(url)];
  const [ta, tb] = [await a.text(), await b.text()];
  assert.equal(a.status, 200);
  assert.ok(a.headers.get('etag'), 'an ETag');
  assert.equal(a.headers.get('etag'), b.headers.get('etag'), 'one page, one tag');
  assert.match(a.headers.get('cache-control'), /^public, max-age=\d+, stale-while-revalidate=\d+$/);
  // Byte for byte the same, policy included, so that a CDN can keep it: no nonce, and the
  // policy lets the page's own inline scripts run by their hashes.
  assert.equal(ta, tb, 'the same page for everyone');
  const policy = a.headers.get('content-security-policy');
  assert.equal(policy, b.headers.get('content-security-policy'));
  assert.doesNotMatch(policy, /'nonce-/);
  assert.doesNotMatch(ta, /nonce=/);
  const hashes = inlineScriptHashes(ta);
  assert.ok(hashes.length > 0);
  for (const h of hashes) assert.ok(policy.includes(h), `the policy names ${h}`);
  // A page that is not kept (a form) still gets a fresh nonce on each render.
  const nonceOf = async (path) => (await fetch(`${server.url}${path}`)).headers.get('content-security-policy').match(/'nonce-([^']+)'/)?.[1];
  const [na, nb] = [await nonceOf('/start'), await nonceOf('/start')];
  assert.ok(na && nb && na !== nb, `each form page its own nonce: ${na} ${nb}`);
  // Compressed once, sent as each client accepts; fetch decodes it, so compare with the plain.
  for (const [accept, coding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', null]]) {
    const r = await fetch(url, { headers: { 'accept-encoding': accept } });
    assert.equal(r.headers.get('content-encoding'), coding, accept);
    assert.match(r.headers.get('vary') ?? '', /accept-encoding/i);
    assert.equal(await r.text(), ta, `${accept}: the same page`);
  }
  const sizes = {};
  for (const coding of ['br', 'identity']) {
    const raw = await new Promise((resolve, reject) => {
      const u = new URL(url);
      const socket = net.connect(Number(u.port), u.hostname, () => socket.write(
        `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAccept-Encoding: ${coding}\r\nConnection: close\r\n\r\n`));
      const chunks = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    sizes[coding] = raw.length - raw.indexOf('\r\n\r\n') - 4;
  }
  assert.ok(sizes.br * 2 < sizes.identity, `brotli on the wire: a body of ${sizes.br} bytes for ${sizes.identity}`);
  const held = await fetch(url, { headers: { 'if-none-match': a.headers.get('etag') } });
  assert.equal(held.status, 304);
  assert.equal(await held.text(), '');
  assert.equal(held.headers.get('content-security-policy'), policy, 'a 304 carries the stored page\'s own policy');

  // A shared link's tracking parameters share the page's copy, and a page rendered for such a
  // link never holds them (they would reach everyone else through the copy).
  const marker = 'zzqMarker<b>';
  const tracked = await fetch(`${server.url}/petitions/2?utm_source=${encodeURIComponent(marker)}&fbclid=1`);
  const trackedBody = await tracked.text();
  assert.equal(tracked.status, 200);
  assert.ok(!trackedBody.includes('zzqMarker'), 'the render does not echo the query');
  const plain = await fetch(`${server.url}/petitions/2`);
  assert.equal(plain.headers.get('etag'), tracked.headers.get('etag'), 'one copy for both');
  assert.ok(!(await plain.text()).includes('zzqMarker'));
  const head = await fetch(`${server.url}/petitions/2`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('etag'), tracked.headers.get('etag'), 'a HEAD is answered from the copy');

  // The figures a hydrated page refreshes come from the same cache, by GET.
  const figures = `${server.url}/api/petition?id=1`;
  const [fa, fb] = [await fetch(figures), await fetch(figures)];
  assert.equal(fa.status, 200);
  assert.match(fa.headers.get('content-type'), /json/);
  assert.equal(fa.headers.get('etag'), fb.headers.get('etag'));
  assert.match(fa.headers.get('cache-control'), /^public, max-age=\d+, stale-while-revalidate=\d+$/);
  assert.equal(JSON.parse(await fa.text()).summary.id, 1);
  assert.equal((await fetch(figures, { headers: { 'if-none-match': fa.headers.get('etag') } })).status, 304);

  // A query the page reads, however it is spelled, is never kept as another page's copy.
  for (const query of ['post%63ode=Qxzzy+Poisoned', 'postcode', 'postcode=RV1+9DN&post%63ode=Qxzzy']) {
    await (await fetch(`${server.url}/?${query}`)).text();
    for (const path of ['/', '/?postcode=RV1+9DN']) {
      const body = await (await fetch(`${server.url}${path}`)).text();
      assert.ok(!body.includes('Qxzzy') && !body.includes('Enter a'), `${path} after ?${query}`);
    }
  }

  // A form sent back with a mistake is its sender's alone: no page anyone else reads holds it.
  const secret = 'Zebedee Quillfeather';
  const form = new URLSearchParams({ postcode: 'RV1 9DN', address: '', name: secret, email: 'not an email', declared: 'yes' });
  const refused = await fetch(`${url}/sign`, { method: 'POST', body: form, redirect: 'manual' });
  assert.ok(refused.status >= 400 && refused.status < 500, `refused: ${refused.status}`);
  assert.ok((await refused.text()).includes(secret), 'the form comes back with what was typed');
  for (const path of ['/petitions/1', '/', '/?postcode=RV1+9DN', '/petitions/1/sign']) {
    for (let n = 0; n < 3; n++) {
      const body = await (await fetch(`${server.url}${path}`)).text();
      assert.ok(!body.includes(secret) && !body.includes('not an email'), `${path} holds another user's form`);
    }
  }
});

test('the built files are named after their content, compressed and cached for good', async () => {
  const html = await (await fetch(`${server.url}/petitions/1`)).text();
  const names = ['js', 'wasm', 'css'].map((ext) => html.match(new RegExp(`/pkg/petitions\\.[A-Za-z0-9_-]+\\.${ext}`))?.[0]);
  assert.ok(names.every(Boolean), `hashed names in the page: ${names}`);
  for (const name of names) {
    const r = await fetch(`${server.url}${name}`, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(r.status, 200, name);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', name);
    assert.equal(r.headers.get('content-encoding'), 'br', `${name} is sent compressed`);
    assert.match(r.headers.get('vary') ?? '', /accept-encoding/i, `${name}: a shared cache keeps each encoding apart`);
    await r.arrayBuffer();
  }
  const gone = await fetch(`${server.url}/pkg/petitions.an-older-release.wasm`);
  assert.equal(gone.status, 404);
  assert.equal(gone.headers.get('cache-control'), 'no-store', 'a missing file is not kept for a year');
  await gone.arrayBuffer();
  const gz = await fetch(`${server.url}${names[1]}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip', 'gzip for a browser without brotli');
  await gz.arrayBuffer();
  // Error pages rendered without Leptos link the same stylesheet.
  const missing = await fetch(`${server.url}/petitions/99999/counts.csv`);
  assert.equal(missing.status, 404);
  assert.ok((await missing.text()).includes(`href="${names[2]}"`), 'a plain page links the hashed stylesheet');
});

test('an open petition page refreshes its figures with a GET that caches can serve, and shows them', async () => {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) seen.push(`${r.method()} ${u.pathname}`);
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  // The refresh is real, and what it brings is shown: here it brings a count 1,234 higher.
  let served;
  await page.route('**/api/petition?*', async (route) => {
    const res = await route.fetch();
    served = res.headers();
    const figures = await res.json();
    figures.summary.valid += 1234;
    await route.fulfill({ response: res, body: JSON.stringify(figures) });
  });
  await page.goto(`${server.url}/petitions/1`);
  await page.locator('header[data-js="on"]').waitFor({ state: 'attached' });
  const before = await count(page);
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="valid-count"]')?.textContent.replace(/,/g, '') === String(want),
    before + 1234,
    { timeout: 25_000 },
  );
  assert.deepEqual([...new Set(seen)], ['GET /api/petition'], 'every 15 seconds, one GET');
  assert.ok(served.etag && served.age !== undefined, 'served by the page cache, which tags what it keeps');
  assert.match(served['cache-control'], /^public, max-age=\d+, stale-while-revalidate=\d+$/);
  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('unknown and malformed postcodes get clear messages', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(server.url + '/?postcode=hello');
  assert.match(await page.getByRole('alert').innerText(), /Enter a real postcode/);
  await page.goto(server.url + '/?postcode=zz99zz');
  assert.match(await page.getByRole('alert').innerText(), /cannot find ZZ9 9ZZ/);
  const res = await page.goto(server.url + '/petitions/99999');
  assert.equal(res.status(), 404);
  await context.close();
});

test('cross-site and forged posts are refused and change nothing', async () => {
  const person = people[2];
  const before = smtp.messages.length;
  const form = new URLSearchParams({ postcode: person.postcode, address: 'not-listed', address_text: 'x', name: person.name, email: 'x@example.org', declared: 'yes' });
  for (const headers of [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
    const r = await fetch(`${server.url}/petitions/1/sign`, { method: 'POST', body: form, headers, redirect: 'manual' });
    assert.equal(r.status, 403);
    assert.match(await r.text(), /sent from another website/);
  }
  const closed = await fetch(`${server.url}/petitions/5/sign`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(closed.status, 422);
  assert.match(await closed.text(), /This petition is closed/);
  const wrongId = await fetch(`${server.url}/petitions/424242/sign`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(wrongId.status, 404);
  const tooLong = new URLSearchParams({ postcode: person.postcode, address: 'not-listed', address_text: 'x', name: 'A '.repeat(80) + 'Smith', email: 'x@example.org', declared: 'yes' });
  const long = await fetch(`${server.url}/petitions/1/sign`, { method: 'POST', body: tooLong, redirect: 'manual' });
  assert.equal(long.status, 422);
  assert.match(await long.text(), /100 characters or fewer/);
  const control = new URLSearchParams({ postcode: person.postcode, address: 'not-listed', address_text: 'x', name: 'Jane\u0007 Smith', email: 'x@example.org', declared: 'yes' });
  const ctl = await fetch(`${server.url}/petitions/1/sign`, { method: 'POST', body: control, redirect: 'manual' });
  assert.equal(ctl.status, 422);
  assert.match(await ctl.text(), /characters that cannot be used/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(smtp.messages.length, before, 'no email was sent');
});

test('signing is rate-limited per connection and per email address', async () => {
  const limited = await startServer(smtp.port, { SIGN_PER_IP_PER_MINUTE: '3', SIGN_PER_EMAIL_PER_HOUR: '2' });
  try {
    const [a, b] = [people[3], people[4]];
    const post = (p, email) => fetch(`${limited.url}/petitions/1/sign`, {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ postcode: p.postcode, address: 'not-listed', address_text: p.address, name: p.name, email, declared: 'yes' }),
    });
    assert.equal((await post(a, 'same@example.org')).status, 303);
    assert.equal((await post(b, 'same@example.org')).status, 303);
    const byEmail = await post(a, 'same@example.org');
    assert.equal(byEmail.status, 429);
    assert.match(await byEmail.text(), /Too many attempts with this email address/);
    const byIp = await post(b, 'fresh@example.org');
    assert.equal(byIp.status, 429);
    assert.match(await byIp.text(), /Too many attempts from your connection/);
  } finally {
    await limited.stop();
  }
});

/** Opens a raw connection to `port`, writes `text`, and resolves with what came back before the server closed it, or null after `ms`. */
function raw(port, text, ms) {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  const done = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    socket.on('data', (d) => { got += d.toString(); });
    socket.on('close', () => { clearTimeout(timer); resolve(got); });
    socket.on('error', () => {});
  });
  socket.on('connect', () => socket.write(text));
  return { socket, done };
}

test('slow, idle and surplus connections cannot hold the server, and receipt checks are rate-limited', async () => {
  const limited = await startServer(smtp.port, { MAX_CONNECTIONS: '2', RECEIPT_CHECKS_PER_IP_PER_MINUTE: '2' });
  const port = Number(new URL(limited.url).port);
  try {
    // Headers that never end: the connection is closed after the ten-second header deadline
    // (the same deadline closes idle keep-alive connections, such as the one the start-up check left).
    const slow = raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 15000);
    const started = Date.now();
    const said = await slow.done;
    assert.notEqual(said, null, 'the server closed a connection whose headers never ended');
    assert.ok(Date.now() - started >= 9000, 'not before the deadline');
    // Two connections open and silent take both places: a third waits until one closes.
    const idle = [raw(port, '', 20000), raw(port, '', 20000)];
    await new Promise((r) => setTimeout(r, 300));
    const third = raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 8000);
    const early = await Promise.race([third.done, new Promise((r) => setTimeout(() => r('waiting'), 1500))]);
    assert.equal(early, 'waiting', 'the third connection is not served while two are open');
    idle[0].socket.destroy();
    assert.match((await third.done) ?? '', /^HTTP\/1\.1 200/, 'served once a place is free');
    idle[1].socket.destroy();

    // Receipt checks: two a minute from one address here, whether by the page or the proof files.
    const check = () => fetch(`${limited.url}/receipt`, { method: 'POST', body: new URLSearchParams({ receipt: 'not a receipt' }) });
    assert.equal((await check()).status, 422);
    assert.equal((await check()).status, 422);
    const refused = await check();
    assert.equal(refused.status, 429);
    assert.match(await refused.text(), /Too many receipts were checked/);
    assert.equal((await fetch(`${limited.url}/log/proof/1/AAAA`)).status, 429);
    assert.equal((await fetch(`${limited.url}/log/checkpoint`)).status === 429, false, 'other log files are not limited');
  } finally {
    await limited.stop();
  }
});
