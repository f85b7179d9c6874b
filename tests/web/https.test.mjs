// HTTPS and WSS on the daemon's one port: Chromium, trusting the daemon's self-signed
// certificate and nothing else, loads the page over HTTPS (a secure context, so the key
// proof uses crypto.subtle) and uploads through it over HTTP and over the WebSocket; a
// Chromium that does not trust the certificate gets no page.

import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launchChromium, watchPageErrors, withPageLog } from './chromium.mjs';
import { Streamd, writeRandomFile } from './harness.mjs';

const MiB = 1024 * 1024;
const tmpRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const pageTimeoutMs = 120_000;
const testTimeoutMs = 600_000;

// What Chromium's --ignore-certificate-errors-spki-list takes: SHA-256 of the public key.
function spkiHash(pem) {
    const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(der).digest('base64');
}

async function sha256Of(file) {
    return createHash('sha256').update(await readFile(file)).digest('hex');
}

describe('the page over HTTPS in Chromium', () => {
    let daemon;
    let work;
    let trusting;
    let distrusting;
    const pageErrors = [];

    before(async () => {
        // A key, so that the WebSocket asks for the proof and the page gives it.
        daemon = await Streamd.start({ tmpRoot, extra: '[auth]\nsecret_file = "key"' });
        work = await mkdtemp(path.join(tmpRoot, 'streamd-https-'));
        const certificate = await readFile(path.join(daemon.dir, 'state', 'tls', 'certificate.pem'), 'utf8');
        trusting = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiHash(certificate)}`]);
        distrusting = await launchChromium();
    });

    after(async () => {
        try {
            await trusting?.close();
            await distrusting?.close();
        } finally {
            if (work) await rm(work, { recursive: true, force: true });
            if (daemon) {
                const status = await daemon.stop();
                assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
            }
        }
    });

    const httpsUrl = (p) => `https://127.0.0.1:${daemon.port}${p}`;

    for (const transport of ['http', 'websocket']) {
        it(`uploads through the page over ${transport} inside TLS`, { timeout: testTimeoutMs }, () => withPageLog(daemon, pageErrors, async () => {
            const page = await (await trusting.newContext()).newPage();
            page.setDefaultTimeout(pageTimeoutMs);
            watchPageErrors(page, pageErrors);
            const key = (await readFile(path.join(daemon.dir, 'key'), 'utf8')).trim();
            await page.addInitScript((k) => localStorage.setItem('streamd_key', k), key);
            await page.goto(httpsUrl(transport === 'http' ? '/' : '/?transport=websocket'));
            assert.equal(await page.evaluate(() => window.isSecureContext && !!crypto.subtle), true);
            await page.waitForFunction(() => document.querySelector('#received-status')?.textContent !== 'Loading…');
            const name = `https-${transport}.bin`;
            const source = path.join(work, name);
            const sourceSha = await writeRandomFile(source, 24 * MiB + 5);
            await page.setInputFiles('#file-input', source);
            const ended = page.locator(`#uploads [data-upload-name="${name}"]:not([data-state="uploading"])`);
            await ended.waitFor();
            const row = page.locator(`#uploads [data-upload-name="${name}"]`);
            assert.equal(await row.getAttribute('data-state'), 'done', await row.innerText());
            assert.equal(await sha256Of(path.join(daemon.incoming, name)), sourceSha);
            assert.deepEqual(pageErrors, []);
            await page.context().close();
        }));
    }

    it('is refused by a Chromium that does not trust the certificate', async () => {
        const page = await (await distrusting.newContext()).newPage();
        await assert.rejects(page.goto(httpsUrl('/')), /ERR_CERT_AUTHORITY_INVALID/);
        await page.context().close();
    });
});
