// A surge over HTTP against the real server (release build) and a real SMTP server: N people on
// the demo register sign the county-wide petition through the plain form, then all press Confirm
// with C requests in flight at once. Reports confirmations per second as the server answers them
// (page rendered and sent), with latencies, and checks the officer page's count afterwards.
// Those who signed the petition in the demo data get an "already signed" email and are left out.
//
//   node bench/surge.mjs [sqlite|postgres] [N] [C]      (default: sqlite 2000 64)
//
// More signers than the demo's 3,000 or so need a larger demo: DEMO_SCALE=10 in the environment
// (read by the server and by `petitions demo-electors` alike) gives about 30,000.
//
// Each phase's start and end are printed in CLOCK_MONOTONIC seconds, to line up with a profile
// taken meanwhile (`perf record -k CLOCK_MONOTONIC ...`, then `perf report --time START,END`).
//
// The client runs on the same machine as the server and takes part of its CPU: the figures are a
// floor for the server alone. The machines are shared and noisy; compare runs made together.
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSmtp, startServer, demoElectors, createPostgresDatabase, officer } from '../tests/harness.mjs';

const [backend = 'sqlite', nArg = '2000', cArg = '64'] = process.argv.slice(2);
const N = Number(nArg);
const C = Number(cArg);
assert.ok(['sqlite', 'postgres'].includes(backend), 'the backend is sqlite or postgres');
const COUNTY_PETITION = 4;
// node:http with kept-alive connections: far lighter on the shared CPU than fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: C });

function post(server, path, form = '') {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(form);
  });
}

const unescape = (s) => s.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** Runs `work` over `items` with `limit` at a time; returns each one's result and latency in ms. */
async function pool(items, limit, work) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      const t = performance.now();
      const result = await work(items[i]);
      out[i] = { result, ms: performance.now() - t };
    }
  }));
  return out;
}

async function valid(server) {
  server.viewer ||= await officer(server, 'viewer');
  const html = await (await server.viewer.fetch(`/officer/petitions/${COUNTY_PETITION}`)).text();
  return Number(html.match(/data-testid="valid"[^>]*>([\d,]+)</)[1].replace(/,/g, ''));
}

/** Seconds on CLOCK_MONOTONIC, as perf's `-k CLOCK_MONOTONIC` timestamps are. */
const mono = () => (Number(process.hrtime.bigint()) / 1e9).toFixed(3);

const pct = (sorted, p) => sorted[Math.floor((sorted.length - 1) * p)];

// Only the confirmation emails are parsed: the others (the thank-you emails with receipts) are
// counted and dropped, so that the load generator takes less of the server's CPU.
const smtp = await startSmtp({ keep: (raw) => raw.includes('/confirm/') });
const pg = backend === 'postgres' ? createPostgresDatabase() : null;
const server = await startServer(smtp.port, {
  SIGN_PER_IP_PER_MINUTE: '1000000',
  RUST_LOG: process.env.RUST_LOG || 'warn',
  ...(pg ? { DATABASE_URL: pg.url } : {}),
});
try {
  // Two electors of the same name at one address are one signer.
  const seen = new Set();
  const people = demoElectors(N).filter((p) => !seen.has(`${p.name}|${p.address}`) && seen.add(`${p.name}|${p.address}`)).slice(0, N);
  const uprns = new Map();
  const signUrl = `${server.url}/petitions/${COUNTY_PETITION}/sign`;
  console.log(`signing from ${mono()}`);
  const started = performance.now();
  const signed = await pool(people.map((p, i) => ({ p, email: `surge-${i}@example.org` })), C, async ({ p, email }) => {
    if (!uprns.has(p.postcode)) {
      const html = await (await fetch(`${signUrl}?postcode=${encodeURIComponent(p.postcode)}`)).text();
      const byAddress = new Map();
      for (const m of html.matchAll(/<label for="(address-\d+)">([^<]*)<\/label>/g)) {
        byAddress.set(unescape(m[2]), html.match(new RegExp(`<input[^>]*id="${m[1]}"[^>]*value="([^"]+)"`))[1]);
      }
      uprns.set(p.postcode, byAddress);
    }
    const uprn = uprns.get(p.postcode).get(p.address);
    const form = new URLSearchParams({ postcode: p.postcode, address: uprn, name: p.name, email, declared: 'yes' }).toString();
    const r = await post(server, `/petitions/${COUNTY_PETITION}/sign`, form);
    assert.equal(r.status, 303, `signing as ${p.name}`);
    return email;
  });
  const signSecs = (performance.now() - started) / 1000;
  console.log(`signing until ${mono()}`);
  // Those who had already signed in the demo are emailed at the address on file instead, and
  // are left out. Wait until the emails stop coming.
  const emails = new Set(signed.map((s) => s.result));
  let tokens = [];
  let last = -1;
  while (smtp.received() !== last) {
    last = smtp.received();
    await new Promise((r) => setTimeout(r, 3000));
  }
  tokens = smtp.messages.filter((m) => emails.has(m.to?.text) && /^Confirm your signature/.test(m.subject));
  tokens = tokens.map((m) => m.text.match(/\/confirm\/([A-Za-z0-9_-]{43})/)[1]);
  console.log(`${tokens.length} of ${people.length} signers were new to the petition and got a confirmation link`);
  const before = await valid(server);

  console.log(`confirming from ${mono()}`);
  const t0 = performance.now();
  const confirmed = await pool(tokens, C, async (t) => {
    const r = await post(server, `/confirm/${t}`);
    assert.equal(r.status, 200);
    assert.match(r.body, /Your signature is counted/);
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(`confirming until ${mono()}`);
  const ms = confirmed.map((c) => c.ms).sort((a, b) => a - b);
  const after = await valid(server);
  console.log(`backend ${backend}, ${tokens.length} signers, ${C} requests in flight, over HTTP`);
  console.log(`signing (page with the address list, then the form post): ${(people.length / signSecs).toFixed(0)} per second`);
  console.log(`confirming: ${(tokens.length / secs).toFixed(0)} per second (${tokens.length} in ${secs.toFixed(2)} s)`);
  console.log(`confirmation latency ms: median ${pct(ms, 0.5).toFixed(1)}, p99 ${pct(ms, 0.99).toFixed(1)}, max ${pct(ms, 1).toFixed(1)}`);
  console.log(`officer page count: ${before} before, ${after} after`);
  assert.equal(after, before + tokens.length, 'every confirmation is counted once');
  // SERVER_LOG=1 prints the server's own log, to see what its background work did meanwhile
  // (with RUST_LOG=info, say, each of the sequencer's batches).
  if (process.env.SERVER_LOG) console.log(server.log());
} finally {
  await server.stop();
  await smtp.stop();
  pg?.drop();
}
