// A browser's transfer to and from streamd, as side_by_side runs it: the page's own
// client module over `ws`, in one Node process.
//
//   node bench/ws_client.mjs upload URL FILE NAME [--digest none] [--chunk-size BYTES]
//                                                 [--in-flight N]
//   node bench/ws_client.mjs download URL NAME OUT [--chunk-size BYTES] [--in-flight N]
//   node bench/ws_client.mjs check
//
// Prints one JSON line: seconds, cpu_seconds, bytes, digest, peak_rss_mib. The clock
// starts at the call that opens the WebSocket, so the upgrade counts as the native
// transfer's connect does, and stops when the daemon's upload_complete arrives (upload)
// or the last chunk is written (download); Node's start-up and module loading are outside
// it, as streamctl's are outside the native clock. cpu_seconds is this process's CPU over
// the same span, all its threads included.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { downloadFile, uploadFile } from '../daemon/web/streamd.js';

// `ws` belongs to the web tests' packages; resolved from there, so the bench needs no
// package of its own.
const require = createRequire(new URL('../tests/web/package.json', import.meta.url));

function usage(message) {
  process.stderr.write(`ws_client: ${message}\n`);
  process.exit(2);
}

function options(args) {
  const o = {};
  for (let i = 0; i < args.length; i += 2) {
    const [key, value] = [args[i], args[i + 1]];
    if (value === undefined) usage(`${key} needs a value`);
    if (key === '--digest') o.digest = value;
    else if (key === '--chunk-size') o.chunkSize = Number(value);
    else if (key === '--in-flight') o.inFlight = Number(value);
    else usage(`unknown option ${key}`);
  }
  return o;
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function timed(body) {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const result = await body();
  return { seconds: (performance.now() - t0) / 1000, cpu_seconds: cpuSeconds() - cpu0, ...result };
}

async function upload(WebSocket, url, path, name, extra) {
  // Backed by the file and read a chunk at a time, as a browser reads a File, instead of
  // one Buffer as large as the file.
  const blob = await fs.openAsBlob(path);
  const out = await timed(async () => {
    const r = await uploadFile(blob, { name, url, WebSocket, ...extra });
    return { bytes: r.size, digest: r.digest, stored_as: r.name };
  });
  if (out.bytes !== blob.size) {
    throw new Error(`the daemon stored ${out.bytes} of ${blob.size} bytes`);
  }
  // A different name means the daemon renamed it away from a file already there, and the
  // caller would compare the wrong file.
  if (out.stored_as !== name) throw new Error(`the daemon stored the file as ${out.stored_as}`);
  return out;
}

async function download(WebSocket, url, name, path, extra) {
  const fd = fs.openSync(path, 'w');
  let written = 0;
  try {
    const out = await timed(async () => {
      const r = await downloadFile(name, {
        url,
        WebSocket,
        ...extra,
        // Into a file rather than discarded, so that the copy is compared with the source
        // as every other contender's is. Synchronously: the chunk is in memory already, a
        // write to tmpfs is a copy, and an await per chunk would only add turns of the loop.
        onChunk: (_index, data) => {
          for (let at = 0; at < data.length;) at += fs.writeSync(fd, data, at, data.length - at);
          written += data.length;
        },
      });
      return { bytes: r.size, digest: null };
    });
    if (written !== out.bytes) throw new Error(`wrote ${written} of ${out.bytes} bytes`);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

const [command, ...args] = process.argv.slice(2);
let WebSocket;
try {
  WebSocket = require('ws');
} catch {
  process.stderr.write('ws_client: the `ws` package is missing: npm ci --prefix tests/web\n');
  process.exit(3);
}

try {
  let result;
  if (command === 'check') {
    result = {
      node: process.version,
      ws: require('ws/package.json').version,
    };
  } else if (command === 'upload' && args.length >= 3) {
    result = await upload(WebSocket, args[0], args[1], args[2], options(args.slice(3)));
  } else if (command === 'download' && args.length >= 3) {
    result = await download(WebSocket, args[0], args[1], args[2], options(args.slice(3)));
  } else {
    usage('expected: upload URL FILE NAME [options] | download URL NAME OUT [options] | check');
  }
  // Shows that the file is read a chunk at a time: it does not grow with the file.
  if (command !== 'check') result.peak_rss_mib = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  const code = error?.code !== undefined ? ` (${error.code})` : '';
  process.stderr.write(`ws_client: ${error?.message ?? error}${code}\n`);
  process.exit(1);
}
