// The page as a person uses it: a real headless Chromium loads it from a real daemon, sends a
// 100 MiB file through its file input, over HTTP and then over the WebSocket, and downloads
// it back through the page's own link. SHA-256 is compared at every stop. A screenshot of the
// page once each upload is done is kept in STREAMD_ARTIFACTS (default build/artifacts/) as
// browser-upload-TRANSPORT.png, for a person to look at. Then a folder, dropped on the page
// and chosen with its folder input, arrives as the same tree.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launchChromium, watchPageErrors, withPageLog } from './chromium.mjs';
import { Streamd, sourceRoot, writeRandomFile } from './harness.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;

const artifacts = process.env.STREAMD_ARTIFACTS ?? path.join(sourceRoot, 'build', 'artifacts');
// tmpfs where there is one: the file is large and the disk is not under test.
const tmpRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

// Bounds on waits, never conditions: this machine may have two busy cores.
const pageTimeoutMs = 120_000;
const transferTimeoutMs = 480_000;
const testTimeoutMs = 900_000;

const size = 100 * MiB;


async function sha256OfFile(file) {
    const hash = createHash('sha256');
    for await (const piece of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(piece);
    return hash.digest('hex');
}

// What a folder holds, by path: a folder as 'folder', a file as its size, mtime to the
// millisecond (what a browser knows of it) and SHA-256.
async function treeOf(top, prefix = '') {
    const out = {};
    for (const entry of await readdir(path.join(top, prefix), { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
            out[rel] = 'folder';
            Object.assign(out, await treeOf(top, rel));
        } else {
            const st = await stat(path.join(top, rel));
            out[rel] = `${st.size} bytes, mtime ${Math.floor(st.mtimeMs)}, ${await sha256OfFile(path.join(top, rel))}`;
        }
    }
    return out;
}

// CSS attribute values in double quotes; the name here is plain, but a later name may not be.
const quoted = (s) => JSON.stringify(s);

describe('the page in Chromium', () => {
    let daemon;
    let work;
    let browser;
    let page;
    // What the page reported as going wrong; a page that works says nothing here.
    const pageErrors = [];

    before(async () => {
        daemon = await Streamd.start({ tmpRoot });
        work = await mkdtemp(path.join(tmpRoot, 'streamd-browser-'));
        browser = await launchChromium();
        const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1024, height: 768 } });
        page = await context.newPage();
        page.setDefaultTimeout(pageTimeoutMs);
        page.setDefaultNavigationTimeout(pageTimeoutMs);
        watchPageErrors(page, pageErrors);
    });

    after(async () => {
        try {
            if (browser) await browser.close();
        } finally {
            if (work) await rm(work, { recursive: true, force: true });
            if (daemon) {
                const status = await daemon.stop();
                assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
            }
        }
    });

    const withLog = (body) => withPageLog(daemon, pageErrors, body);

    // The page uploads over HTTP unless its address asks for the WebSocket.
    for (const transport of ['http', 'websocket']) {
        const name = `browser-upload-100MiB-${transport}.bin`;
        it(`uploads 100 MiB through the file input over ${transport} and downloads it back through its link`, { timeout: testTimeoutMs }, () => withLog(async () => {
            const source = path.join(work, name);
            const sourceSha = await writeRandomFile(source, size);

            await page.goto(daemon.url(transport === 'http' ? '/' : '/?transport=websocket'));
            // The first listing shows that the page's module ran and reached the daemon's API;
            // only then is the file input's handler in place.
            await page.waitForFunction(() => document.querySelector('#received-status')?.textContent !== 'Loading…');

            await page.setInputFiles('#file-input', source);
            const row = page.locator(`#uploads [data-upload-name=${quoted(name)}]`);
            await row.waitFor();
            const ended = page.locator(`#uploads [data-upload-name=${quoted(name)}]:not([data-state="uploading"])`);
            await ended.waitFor({ timeout: transferTimeoutMs });
            const state = await row.getAttribute('data-state');
            const rowText = (await row.innerText()).replace(/\s+/g, ' ').trim();
            assert.equal(state, 'done', `the upload ended ${state}: ${rowText}`);
            assert.equal(await row.locator('.progress').evaluate((bar) => bar.value), 100, rowText);

            // The page lists the received files again once an upload is done; waiting for that
            // keeps the screenshot from catching the list half way.
            const item = page.locator(`#received [data-file-name=${quoted(name)}]`);
            await item.waitFor();

            await mkdir(artifacts, { recursive: true });
            const screenshot = path.join(artifacts, `browser-upload-${transport}.png`);
            await rm(screenshot, { force: true });
            await page.screenshot({ path: screenshot, fullPage: true });
            const png = await readFile(screenshot);
            assert.ok(png.length > 0, `${screenshot} is empty`);
            assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
                `${screenshot} is not a PNG`);

            const stored = path.join(daemon.incoming, name);
            assert.equal((await stat(stored)).size, size, 'the stored file has another size');
            assert.equal(await sha256OfFile(stored), sourceSha, 'the stored file differs from the source');

            const link = item.locator('a');
            assert.equal(await link.getAttribute('href'), `/files/${encodeURIComponent(name)}`);
            assert.equal((await link.innerText()).trim(), name);

            const downloaded = path.join(work, 'downloaded.bin');
            const [download] = await Promise.all([
                page.waitForEvent('download', { timeout: pageTimeoutMs }),
                link.click(),
            ]);
            assert.equal(download.suggestedFilename(), name);
            // saveAs waits for the whole body; failure() then says whether it all arrived.
            await download.saveAs(downloaded);
            assert.equal(await download.failure(), null, 'the download failed');
            assert.equal((await stat(downloaded)).size, size, 'the downloaded file has another size');
            assert.equal(await sha256OfFile(downloaded), sourceSha, 'the downloaded file differs from the source');

            assert.deepEqual(pageErrors, [], 'the page reported errors');
        }));
    }

    it('uploads a folder dropped on the page, and one chosen with its folder input', { timeout: testTimeoutMs }, () => withLog(async () => {
        const top = path.join(work, 'album');
        await mkdir(path.join(top, 'sub', 'deeper'), { recursive: true });
        await mkdir(path.join(top, 'empty'));
        await writeRandomFile(path.join(top, 'big.bin'), 5 * MiB + 3);
        await writeRandomFile(path.join(top, 'sub', 'näme with spaces.bin'), 100 * KiB);
        await writeRandomFile(path.join(top, 'sub', 'deeper', 'small.bin'), 1000);
        await writeFile(path.join(top, 'sub', 'empty.txt'), '');
        const want = await treeOf(top);

        await page.goto(daemon.url('/'));
        await page.waitForFunction(() => document.querySelector('#received-status')?.textContent !== 'Loading…');
        const row = page.locator('#uploads [data-upload-name="album"]');
        const ended = page.locator('#uploads [data-upload-name="album"]:not([data-state="uploading"])');
        const expectDone = async () => {
            await ended.waitFor({ timeout: transferTimeoutMs });
            const rowText = (await row.innerText()).replace(/\s+/g, ' ').trim();
            assert.equal(await row.getAttribute('data-state'), 'done', `the upload ended: ${rowText}`);
            assert.match(rowText, /4 files/);
        };

        // A drop as the system's file manager makes it: Chromium is handed the folder's path.
        const box = await page.locator('#drop-zone').boundingBox();
        const cdp = await page.context().newCDPSession(page);
        const drag = { items: [], files: [top], dragOperationsMask: 1 };
        for (const type of ['dragEnter', 'dragOver', 'drop'])
            await cdp.send('Input.dispatchDragEvent', { type, x: box.x + box.width / 2, y: box.y + box.height / 2, data: drag });
        await expectDone();
        assert.deepEqual(await treeOf(path.join(daemon.incoming, 'album')), want);
        // Listed with the received files, as a folder.
        const listedFolder = page.locator('#received [data-file-name="album"]');
        await listedFolder.waitFor();
        assert.match((await listedFolder.innerText()).trim(), /^album\//);

        // The folder input lists files only: the empty folder stays behind.
        await page.setInputFiles('#folder-input', top);
        await expectDone();
        const { empty, ...picked } = want;
        assert.equal(empty, 'folder');
        assert.deepEqual(await treeOf(path.join(daemon.incoming, 'album (1)')), picked);
        assert.deepEqual((await readdir(daemon.incoming)).filter((n) => n.startsWith('.streamd-')), [],
            'something partial was left behind');
        assert.deepEqual(pageErrors, [], 'the page reported errors');
    }));
});
