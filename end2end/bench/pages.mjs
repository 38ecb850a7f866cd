// Public pages under a read surge: wrk against the real server (release build, SQLite demo) on
// the same machine, for /healthz (the ceiling: no page, no database) and the pages 100,000
// watchers would read: the home page, a postcode search and a petition page, then the petition
// page again with the ETag a browser or CDN already holds (304). Prints requests a second,
// latencies and each page's ratio to /healthz in the same run.
//
//   node bench/pages.mjs [seconds] [connections]      (default: 10 64; needs wrk: apt-get install wrk)
//   node bench/pages.mjs --first-visit                 only the bytes a first visit transfers
//
// The client shares the machine's CPU with the server, and the machines are shared and noisy:
// compare ratios, and runs made together.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { startSmtp, startServer } from '../tests/harness.mjs';

const firstVisitOnly = process.argv.includes('--first-visit');
const [secondsArg = '10', connectionsArg = '64'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const PETITION = 1;
const POSTCODE = 'RV1 9DN';

function wrk(url, headers = []) {
  const args = ['-t2', `-c${connectionsArg}`, `-d${secondsArg}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const out = execFileSync('wrk', args).toString();
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const [, p50, p99] = out.match(/Latency Distribution[\s\S]*?50%\s+(\S+)[\s\S]*?99%\s+(\S+)/);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  return { rps, p50, p99, non2xx };
}

/** The bytes on the wire for `url`, asked for as a browser asks (br, gzip), not decoded. */
function raw(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (c) => { bytes += c.length; });
      res.on('end', () => resolve({
        bytes, encoding: res.headers['content-encoding'] ?? 'uncompressed', cacheControl: res.headers['cache-control'],
      }));
    }).on('error', reject);
  });
}

try {
  if (!firstVisitOnly) execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (e) {
  if (e.code === 'ENOENT') throw new Error('wrk is needed: apt-get install wrk');
}
const smtp = await startSmtp();
const server = await startServer(smtp.port, { RUST_LOG: 'warn' });
try {
  const page = await fetch(`${server.url}/petitions/${PETITION}`);
  assert.equal(page.status, 200);
  const etag = page.headers.get('etag');
  const search = `${server.url}/?postcode=${encodeURIComponent(POSTCODE)}`;
  assert.equal((await fetch(search)).status, 200);
  const runs = [
    ['/healthz', `${server.url}/healthz`],
    ['home page', `${server.url}/`],
    ['postcode search', search],
    ['petition page', `${server.url}/petitions/${PETITION}`],
    ['petition page, brotli', `${server.url}/petitions/${PETITION}`, ['Accept-Encoding: br, gzip']],
  ];
  if (etag) runs.push(['petition page, If-None-Match (304)', `${server.url}/petitions/${PETITION}`, [`If-None-Match: ${etag}`]]);
  const results = firstVisitOnly ? [] : runs.map(([name, url, headers]) => ({ name, ...wrk(url, headers) }));
  const ceiling = results[0]?.rps;
  if (!firstVisitOnly) {
    console.log(`wrk -t2 -c${connectionsArg} -d${secondsArg}s, server and client on one machine (${(await import('node:os')).cpus().length} cores)`);
    console.log('| request | requests/s | p50 | p99 | of /healthz |');
    console.log('|---|---:|---:|---:|---:|');
  }
  for (const r of results) {
    const share = `${((100 * r.rps) / ceiling).toFixed(0)}%`;
    console.log(`| ${r.name} | ${Math.round(r.rps).toLocaleString('en-GB')} | ${r.p50} | ${r.p99} | ${share} |${r.non2xx ? ` (${r.non2xx} non-2xx)` : ''}`);
  }
  // What a first visit to a petition page transfers, as a browser asks for it (compressed if the
  // server offers it): the page, then each script, stylesheet and module it names.
  const page1 = await raw(`${server.url}/petitions/${PETITION}`);
  const html = (await (await fetch(`${server.url}/petitions/${PETITION}`)).text());
  const assets = [...new Set([...html.matchAll(/(?:href|src)="(\/pkg\/[^"]+)"/g)].map((m) => m[1]))];
  let total = page1.bytes;
  console.log(`\nfirst visit to /petitions/${PETITION}: page ${page1.bytes.toLocaleString('en-GB')} bytes (${page1.encoding})`);
  for (const a of assets) {
    const r = await raw(`${server.url}${a}`);
    total += r.bytes;
    console.log(`  ${a}: ${r.bytes.toLocaleString('en-GB')} bytes (${r.encoding}; cache-control: ${r.cacheControl})`);
  }
  const wasmName = html.match(/\/pkg\/[^"' ]+\.wasm/)?.[0];
  if (wasmName && !assets.includes(wasmName)) {
    const r = await raw(`${server.url}${wasmName}`);
    total += r.bytes;
    console.log(`  ${wasmName}: ${r.bytes.toLocaleString('en-GB')} bytes (${r.encoding}; cache-control: ${r.cacheControl})`);
  }
  console.log(`  in all: ${total.toLocaleString('en-GB')} bytes`);
} finally {
  await server.stop();
  await smtp.stop();
}
