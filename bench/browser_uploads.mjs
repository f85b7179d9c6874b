// Browser uploads side by side, as `make bench` runs them after side_by_side: in headless
// Chromium, the page's client uploading one file from a file input over HTTP (tus) and
// over the WebSocket, against the plainest HTTP upload there is, Chromium's own
// fetch(url, {method: 'PUT', body: file}) to nginx (dav_methods PUT), and the same PUT
// as XMLHttpRequest; and tus-js-client
// on Node to streamd and to @tus/server. Every contender takes its turn in each round;
// every file lands on tmpfs. The page's HTTP upload also runs with 2 and 4 parts, for the
// choice of its default (1).
//
//   node bench/browser_uploads.mjs [--size MIB] [--rounds N] [--json FILE]
//
// STREAMD_BIN is the daemon (default build/daemon/streamd); STREAMD_CHROMIUM the browser
// (default /usr/bin/chromium). The clock of a browser row runs in the page, from the call
// to the promise that says the file is stored; a Node row's, around the upload's start
// and its onSuccess.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { Streamd } from '../tests/web/harness.mjs';

// The packages belong to the web tests; resolved from there, so the bench needs none of
// its own.
const require = createRequire(new URL('../tests/web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const tus = await import(require.resolve('tus-js-client'));

const MiB = 1024 * 1024;

function parseArgs(argv) {
  const o = { size: 512, rounds: 3, json: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--size') o.size = Number(value);
    else if (key === '--rounds') o.rounds = Number(value);
    else if (key === '--json') o.json = value;
    else throw new Error(`unknown option ${key}`);
  }
  if (!(o.size > 0) || !(o.rounds > 0)) throw new Error('--size and --rounds must be positive');
  return o;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port) {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

// nginx with WebDAV PUT into a folder on tmpfs, serving the page the reference runs in.
async function startNginx(work) {
  const dir = path.join(work, 'nginx');
  const root = path.join(dir, 'root');
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><input type="file" id="bench-input">\n');
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, `${process.geteuid?.() === 0 ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location /put/ { dav_methods PUT; create_full_put_path on; }
  }
}
`);
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  await waitListening(port);
  return { child, url: `http://127.0.0.1:${port}`, stored: (name) => path.join(root, 'put', name) };
}

// @tus/server with its file store, in a process of its own as a server would be.
async function startTusServer(work) {
  const dir = path.join(work, 'tus-server');
  await mkdir(dir, { recursive: true });
  const script = `
    const { Server } = await import(${JSON.stringify(require.resolve('@tus/server'))});
    const { FileStore } = await import(${JSON.stringify(require.resolve('@tus/file-store'))});
    const http = await import('node:http');
    const server = new Server({ path: '/files', datastore: new FileStore({ directory: ${JSON.stringify(dir)} }) });
    const s = http.createServer((req, res) => server.handle(req, res));
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`@tus/server exited (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}/files` };
}

async function writeRandom(file, size) {
  const handle = await open(file, 'w');
  const hash = createHash('sha256');
  for (let left = size; left > 0;) {
    const piece = randomBytes(Math.min(left, 16 * MiB));
    hash.update(piece);
    await handle.write(piece);
    left -= piece.length;
  }
  await handle.close();
  return hash.digest('hex');
}

async function sha256Of(file) {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const chromiumPath = process.env.STREAMD_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}`);
  const size = args.size * MiB;
  const work = await mkdtemp('/dev/shm/streamd-bench-browser-');
  const source = path.join(work, 'source.bin');
  const digest = await writeRandom(source, size);

  const daemon = await Streamd.start({ tmpRoot: work, limits: 'idle_timeout = 600\n' });
  const nginx = await startNginx(work);
  const tusServer = await startTusServer(work);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const cleanups = [
    () => browser.close(), () => stopChild(tusServer.child), () => stopChild(nginx.child),
    () => daemon.stop(), () => rm(work, { recursive: true, force: true }),
  ];
  try {
    // One tab on the daemon's page, one on nginx's, each with the file in an input.
    const streamdPage = await browser.newPage();
    await streamdPage.goto(daemon.url('/'));
    await streamdPage.evaluate(() => {
      const input = document.createElement('input');
      input.type = 'file';
      input.id = 'bench-input';
      document.body.append(input);
    });
    await streamdPage.setInputFiles('#bench-input', source);
    const nginxPage = await browser.newPage();
    await nginxPage.goto(`${nginx.url}/index.html`);
    await nginxPage.setInputFiles('#bench-input', source);
    const sourceBytes = await readFile(source);

    let n = 0;
    const pageUpload = (options) => async () => {
      const name = `page-${++n}.bin`;
      const seconds = await streamdPage.evaluate(async ({ name, options }) => {
        const { uploadFile } = await import('/streamd.js');
        const file = document.querySelector('#bench-input').files[0];
        const t0 = performance.now();
        await uploadFile(file, { name, ...options });
        return (performance.now() - t0) / 1000;
      }, { name, options });
      return { seconds, stored: path.join(daemon.incoming, name) };
    };
    const contenders = [
      { name: 'Chromium fetch PUT -> nginx (reference)', run: async () => {
        const name = `put-${++n}.bin`;
        const seconds = await nginxPage.evaluate(async (name) => {
          const file = document.querySelector('#bench-input').files[0];
          const t0 = performance.now();
          const r = await fetch(`/put/${name}`, { method: 'PUT', body: file });
          if (!r.ok) throw new Error(`nginx answered ${r.status}`);
          return (performance.now() - t0) / 1000;
        }, name);
        return { seconds, stored: nginx.stored(name) };
      } },
      // The same PUT as XMLHttpRequest, which Chromium sends straight from the file: the
      // fastest a browser uploads, and what the page's HTTP upload does.
      { name: 'Chromium XHR PUT -> nginx', run: async () => {
        const name = `xhr-${++n}.bin`;
        const seconds = await nginxPage.evaluate(async (name) => {
          const file = document.querySelector('#bench-input').files[0];
          const t0 = performance.now();
          await new Promise((resolve, reject) => {
            const xhr = new XMLHttpRequest();
            xhr.open('PUT', `/put/${name}`);
            xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(`nginx answered ${xhr.status}`)));
            xhr.onerror = () => reject(new Error('the PUT failed'));
            xhr.send(file);
          });
          return (performance.now() - t0) / 1000;
        }, name);
        return { seconds, stored: nginx.stored(name) };
      } },
      { name: 'Chromium page -> streamd, HTTP (default)', run: pageUpload({ transport: 'http' }) },
      { name: 'Chromium page -> streamd, WebSocket', run: pageUpload({ transport: 'websocket' }) },
      { name: 'Chromium page -> streamd, WebSocket, no digest', run: pageUpload({ transport: 'websocket', digest: 'none' }) },
      ...[2, 4].map((parts) => ({
        name: `Chromium page -> streamd, HTTP, ${parts} part${parts === 1 ? '' : 's'}`,
        run: pageUpload({ transport: 'http', parts }),
      })),
      ...[[`tus-js-client (Node) -> streamd`, daemon.url('/uploads/'), (name) => path.join(daemon.incoming, name)],
          [`tus-js-client (Node) -> @tus/server`, `${tusServer.url}/`, null]].map(([label, endpoint, storedOf]) => ({
        name: label,
        run: async () => {
          const name = `tus-${++n}.bin`;
          let url = null;
          const t0 = performance.now();
          await new Promise((resolve, reject) => {
            const u = new tus.Upload(sourceBytes, {
              endpoint, metadata: { filename: name }, onError: reject,
              onSuccess: () => { url = u.url; resolve(); },
            });
            u.start();
          });
          const seconds = (performance.now() - t0) / 1000;
          // @tus/server keeps the file under its id.
          return { seconds, stored: storedOf ? storedOf(name) : path.join(work, 'tus-server', url.split('/').pop()) };
        },
      })),
    ];

    const times = new Map(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < args.rounds; round++) {
      for (const c of contenders) {
        const { seconds, stored } = await c.run();
        // Every upload checked, then removed: tmpfs is memory.
        if ((await sha256Of(stored)) !== digest) throw new Error(`${c.name}: the stored file differs`);
        await rm(stored);
        times.get(c.name).push(seconds);
        process.stderr.write(`round ${round + 1}: ${c.name}: ${seconds.toFixed(3)} s\n`);
      }
    }

    const reference = median(times.get(contenders[0].name));
    const results = contenders.map((c) => {
      const t = times.get(c.name);
      const m = median(t);
      return {
        name: c.name, median_s: m, min_s: Math.min(...t), max_s: Math.max(...t),
        gbit_per_s: (size * 8) / 1e9 / m, vs_reference: reference / m,
      };
    });
    const tusOf = (label) => results.find((r) => r.name === label).median_s;
    const report = {
      browser: {
        chromium: browser.version(), node: process.version, size_mib: args.size, rounds: args.rounds,
        results,
        tus_js_client_streamd_vs_tus_server:
          tusOf('tus-js-client (Node) -> @tus/server') / tusOf('tus-js-client (Node) -> streamd'),
      },
    };
    console.log(`browser uploads of ${args.size} MiB, median of ${args.rounds}, Chromium ${browser.version()}`);
    for (const r of results) {
      console.log(`${r.name.padEnd(52)} ${r.median_s.toFixed(3).padStart(7)} s ${(r.gbit_per_s).toFixed(2).padStart(6)} Gbit/s ${r.vs_reference.toFixed(2).padStart(5)}x`);
    }
    console.log(`tus-js-client: streamd ${report.browser.tus_js_client_streamd_vs_tus_server.toFixed(1)}x @tus/server`);
    if (args.json) await writeFile(args.json, JSON.stringify(report) + '\n');
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
}

main().catch((error) => {
  process.stderr.write(`browser_uploads: ${error.stack ?? error}\n`);
  process.exit(1);
});
