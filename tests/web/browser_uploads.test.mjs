// Resumable HTTP uploads (tus 1.0.0) in a real headless Chromium: tus-js-client (also
// through a relay that cuts its connection half way) and Uppy with @uppy/tus, loaded from
// node_modules into a test page of this suite's own on the daemon's origin; and the
// daemon's page itself, whose upload goes on after its connection is cut and after the
// page is reloaded half way, served through a relay that counts what the browser sends.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launchChromium, watchPageErrors, withPageLog } from './chromium.mjs';
import { Streamd, writeRandomFile } from './harness.mjs';
import { ByteCuttingRelay } from './proxy.mjs';

const MiB = 1024 * 1024;
const require = createRequire(import.meta.url);
const tmpRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
// Bounds on waits, never conditions: this machine may have two busy cores.
const pageTimeoutMs = 120_000;
const transferTimeoutMs = 480_000;
const testTimeoutMs = 900_000;

const quoted = (s) => JSON.stringify(s);
// The page's first listing of the received files shows that its module ran and reached
// the daemon: only then is the file input's handler in place.
const listed = (page) => page.waitForFunction(
    () => !['', 'Loading…'].includes(document.querySelector('#received-status')?.textContent ?? '')
        || document.querySelector('#received li'));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// The test page: the packages as the browser gets them, and an input for the file.
const testPage = `<!doctype html><meta charset="utf-8"><title>tus clients</title>
<input type="file" id="file">
<script src="/test/tus.min.js"></script>
<script type="module">
  import { Uppy, Tus } from '/test/uppy.min.mjs';
  window.Uppy = Uppy;
  window.UppyTus = Tus;
  document.body.dataset.ready = 'yes';
</script>`;
const testFiles = {
    '/test/page.html': ['text/html', () => Buffer.from(testPage)],
    '/test/tus.min.js': ['text/javascript', () => readFile(require.resolve('tus-js-client/dist/tus.min.js'))],
    '/test/uppy.min.mjs': ['text/javascript', () => readFile(path.join(path.dirname(require.resolve('uppy/package.json')), 'dist', 'uppy.min.mjs'))],
};

describe('resumable uploads in Chromium', () => {
    let daemon;
    let relay;
    let work;
    let browser;
    let context;
    const pageErrors = [];

    before(async () => {
        daemon = await Streamd.start({ tmpRoot });
        work = await mkdtemp(path.join(tmpRoot, 'streamd-browser-tus-'));
        browser = await launchChromium();
        context = await browser.newContext();
        context.setDefaultTimeout(pageTimeoutMs);
    });

    after(async () => {
        try {
            if (browser) await browser.close();
        } finally {
            if (relay) await relay.close();
            if (work) await rm(work, { recursive: true, force: true });
            if (daemon) {
                const status = await daemon.stop();
                assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
            }
        }
    });

    async function newPage() {
        const page = await context.newPage();
        // After a lost connection a request may still hold its upload (423) or have moved
        // it on (409): the protocol's answers, which the client follows, and which Chromium
        // logs as failed loads all the same.
        watchPageErrors(page, pageErrors, (text) => /status of (409|423) /.test(text));
        return page;
    }

    const withLog = (body) => withPageLog(daemon, pageErrors, body);

    async function testPageWith(file, origin = `http://127.0.0.1:${daemon.port}`) {
        const page = await newPage();
        // The test page and its packages appear on the daemon's origin while it loads. Only
        // then: a request intercepted carries its whole body to this process.
        await page.route('**/test/*', async (route) => {
            const served = testFiles[new URL(route.request().url()).pathname];
            if (!served) return route.continue();
            return route.fulfill({ contentType: served[0], body: await served[1]() });
        });
        await page.goto(`${origin}/test/page.html`);
        await page.locator('body[data-ready="yes"]').waitFor();
        await page.unrouteAll({ behavior: 'wait' });
        await page.setInputFiles('#file', file);
        return page;
    }

    async function expectStored(name, digest) {
        assert.equal(sha256(await readFile(path.join(daemon.incoming, name))), digest, `${name} differs`);
    }

    for (const parallelUploads of [1, 4]) {
        it(`tus-js-client uploads 0 B to 300 MiB, parallelUploads ${parallelUploads}`, { timeout: testTimeoutMs }, () => withLog(async () => {
            for (const size of [0, 1, 4 * MiB - 1, 4 * MiB + 1, 300 * MiB]) {
                const name = `tus-browser-${parallelUploads}-${size}.bin`;
                const file = path.join(work, name);
                const digest = await writeRandomFile(file, size);
                const page = await testPageWith(file);
                await page.evaluate(({ name, parallelUploads }) => new Promise((resolve, reject) => {
                    new window.tus.Upload(document.querySelector('#file').files[0], {
                        endpoint: '/uploads/', metadata: { filename: name }, parallelUploads,
                        onError: reject, onSuccess: resolve,
                    }).start();
                }), { name, parallelUploads });
                await page.close();
                await expectStored(name, digest);
                await rm(file);
            }
            assert.deepEqual(pageErrors, []);
        }));
    }

    it('tus-js-client resumes an upload whose connection is cut half way', { timeout: testTimeoutMs }, () => withLog(async () => {
        const size = 300 * MiB;
        const name = 'tus-browser-cut.bin';
        const file = path.join(work, name);
        const digest = await writeRandomFile(file, size);
        const cutter = await ByteCuttingRelay.start(daemon.port, { cutAt: size / 2 });
        try {
            const page = await testPageWith(file, `http://127.0.0.1:${cutter.port}`);
            await page.evaluate((name) => new Promise((resolve, reject) => {
                new window.tus.Upload(document.querySelector('#file').files[0], {
                    endpoint: '/uploads/', metadata: { filename: name }, retryDelays: [0, 200, 1000],
                    onError: reject, onSuccess: resolve,
                }).start();
            }), name);
            await page.close();
            assert.equal(cutter.cuts, 1, 'the relay cut the upload');
            // Resumed where the daemon stood, not from the start: starting over would send 1.5 times
            // the file. What sat in socket buffers at the cut is sent again, so the bound is loose.
            assert.ok(cutter.upBytes < 1.25 * size, `${cutter.upBytes} bytes went up for ${size}`);
        } finally {
            await cutter.close();
        }
        await expectStored(name, digest);
    }));

    it('Uppy with @uppy/tus uploads a file', { timeout: testTimeoutMs }, () => withLog(async () => {
        const name = 'uppy.bin';
        const file = path.join(work, name);
        const digest = await writeRandomFile(file, 20 * MiB + 3);
        const page = await testPageWith(file);
        const result = await page.evaluate(async () => {
            const uppy = new window.Uppy({ autoProceed: false });
            uppy.use(window.UppyTus, { endpoint: '/uploads/' });
            const file = document.querySelector('#file').files[0];
            uppy.addFile({ name: file.name, type: file.type, data: file });
            const r = await uppy.upload();
            return { successful: r.successful.length, failed: r.failed.map((f) => String(f.error)) };
        });
        assert.deepEqual(result, { successful: 1, failed: [] });
        await expectStored(name, digest);
    }));

    it('the page uploads 512 MiB through a cut connection and a reload', { timeout: testTimeoutMs }, () => withLog(async () => {
        const size = 512 * MiB;
        const name = 'page-resumed.bin';
        const file = path.join(work, name);
        const digest = await writeRandomFile(file, size);
        // One connection is cut early on, a fifth into its part; the page goes on by itself.
        relay = await ByteCuttingRelay.start(daemon.port, { cutAt: size / 20 });
        const page = await newPage();
        const origin = `http://127.0.0.1:${relay.port}`;
        await page.goto(`${origin}/`);
        await listed(page);
        await page.setInputFiles('#file-input', file);
        const bar = `#uploads [data-upload-name=${quoted(name)}] .progress`;
        await page.waitForFunction((bar) => document.querySelector(bar)?.value >= 50, bar,
            { timeout: transferTimeoutMs, polling: 50 });
        assert.equal(relay.cuts, 1, 'the relay cut a connection');
        await page.reload();
        await listed(page);
        // The same file picked again goes on where it stopped.
        await page.setInputFiles('#file-input', file);
        const row = page.locator(`#uploads [data-upload-name=${quoted(name)}]`);
        await page.locator(`#uploads [data-upload-name=${quoted(name)}]:not([data-state="uploading"])`)
            .waitFor({ timeout: transferTimeoutMs });
        const text = (await row.innerText()).replace(/\s+/g, ' ');
        assert.equal(await row.getAttribute('data-state'), 'done', text);
        await expectStored(name, digest);
        // Half was sent before the reload: starting over would have sent 1.5 times the file.
        assert.ok(relay.upBytes < 1.25 * size, `${relay.upBytes} bytes went up for ${size}`);
        assert.deepEqual(pageErrors, []);
    }));
});
