// Debian's Chromium for the browser tests, driven by playwright-core: launched headless,
// its pages watched for what they report as going wrong, and that added to a failure.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';

export const chromiumPath = process.env.STREAMD_CHROMIUM ?? '/usr/bin/chromium';

// `args` go on Chromium's command line after the test's own.
export async function launchChromium(args = []) {
    if (!existsSync(chromiumPath))
        throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium or set STREAMD_CHROMIUM`);
    // As root Chromium will not start its sandbox.
    return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', ...args] });
}

// Collects into `errors` what `page` reports as going wrong: console errors, except those
// `expected(text)` accepts, and uncaught exceptions. A page that works says nothing.
export function watchPageErrors(page, errors, expected = () => false) {
    page.on('console', (message) => {
        if (message.type() !== 'error' || expected(message.text())) return;
        const { url, lineNumber } = message.location();
        errors.push(`console.error: ${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.stack ?? error.message}`));
}

// Runs `body`; a failure carries the end of the daemon's log and what the pages reported.
export async function withPageLog(daemon, errors, body) {
    try {
        await body();
    } catch (e) {
        let context = `\n${daemon.log(30)}`;
        if (errors.length > 0) context += `\n--- the page reported ---\n${errors.join('\n')}`;
        e.message += context;
        // The runner prints the stack, which was written before the message grew.
        if (typeof e.stack === 'string') e.stack += context;
        throw e;
    }
}
