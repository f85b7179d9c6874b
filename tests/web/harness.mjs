// A real streamd for the web tests with its own folder, configuration and private D-Bus
// daemon, started as tests/integration/streamd_instance.cpp starts one. Nothing is mocked.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, open as openFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceRoot = path.resolve(here, '..', '..');

const readyTimeoutMs = 30_000;
const stopGraceMs = 30_000;

export function streamdBinary() {
    const bin = process.env.STREAMD_BIN || path.join(sourceRoot, 'build', 'daemon', 'streamd');
    if (!existsSync(bin)) throw new Error(`no streamd binary at ${bin}; build it or set STREAMD_BIN`);
    return bin;
}

// The daemon's built-in defaults are left out of the file, so that it holds only what a test
// chose. `limits` and `extra` are TOML lines as they go into the file.
function configText(dir, incoming, options) {
    const lines = [
        '[listen]',
        `address = "${options.address ?? '127.0.0.1'}"`,
        `port = ${options.port ?? 0}`,
        '',
        '[storage]',
        `incoming = "${incoming}"`,
        `state = "${path.join(dir, 'state')}"`,
        `max_file_size = ${options.maxFileSize ?? 0}`,
        `on_conflict = "${options.onConflict ?? 'rename'}"`,
    ];
    if (options.partialTtl !== undefined) lines.push(`partial_ttl = ${options.partialTtl}`);
    lines.push('', '[engine]', `workers = ${options.workers ?? 2}`);
    if (options.limits) lines.push('', '[limits]', options.limits.trimEnd());
    if (options.extra) lines.push('', options.extra.trimEnd());
    return lines.join('\n') + '\n';
}

// Collects a child's output and resolves waits on it as lines arrive, so that readiness is
// an event and never a guess about time.
class Output {
    constructor(...streams) {
        this.text = '';
        this.waiters = [];
        for (const s of streams) {
            s.setEncoding('utf8');
            s.on('data', (d) => {
                this.text += d;
                this.waiters = this.waiters.filter((w) => !w(this.text));
            });
        }
    }
    // Resolves with the first match of `re` in the output, now or later.
    match(re) {
        return new Promise((resolve) => {
            const check = (text) => {
                const m = re.exec(text);
                if (m) resolve(m);
                return Boolean(m);
            };
            if (!check(this.text)) this.waiters.push(check);
        });
    }
    tail(lines = 60) {
        return this.text.split('\n').slice(-lines).join('\n');
    }
}

function exited(child) {
    if (child.exitCode !== null || child.signalCode !== null)
        return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function timeout(ms, what) {
    let timer;
    const promise = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    });
    return { promise, cancel: () => clearTimeout(timer) };
}

async function stopChild(child, signal = 'SIGTERM') {
    if (child.exitCode !== null || child.signalCode !== null)
        return { code: child.exitCode, signal: child.signalCode };
    child.kill(signal);
    const t = timeout(stopGraceMs, 'no exit');
    try {
        return await Promise.race([exited(child), t.promise]);
    } catch {
        child.kill('SIGKILL');
        return await exited(child);
    } finally {
        t.cancel();
    }
}

function childEnv(extra) {
    const env = { ...process.env, ...extra };
    // Inherited values would point the child at the caller's bus or journal.
    delete env.NOTIFY_SOCKET;
    delete env.JOURNAL_STREAM;
    if (!extra.DBUS_SESSION_BUS_ADDRESS) delete env.DBUS_SESSION_BUS_ADDRESS;
    return env;
}

async function startBus(dir) {
    const busDir = path.join(dir, 'bus');
    await mkdir(busDir);
    const bus = spawn('dbus-daemon',
        ['--session', '--nofork', '--print-address=1', `--address=unix:dir=${busDir}`],
        { env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Output(bus.stdout, bus.stderr);
    const t = timeout(readyTimeoutMs, 'dbus-daemon printed no address');
    try {
        const address = await Promise.race([
            out.match(/^(unix:[^\n]+)\n/m).then((m) => m[1]),
            exited(bus).then((s) => {
                throw new Error(`dbus-daemon exited (${JSON.stringify(s)}): ${out.tail()}`);
            }),
            t.promise,
        ]);
        return { bus, address };
    } catch (e) {
        await stopChild(bus, 'SIGKILL');
        throw e;
    } finally {
        t.cancel();
    }
}

export class Streamd {
    // Ready once the daemon has logged "listening on ADDRESS:PORT".
    static async start(options = {}) {
        const root = options.tmpRoot ?? os.tmpdir();
        const dir = await mkdtemp(path.join(root, 'streamd-web-'));
        const d = new Streamd(dir, options);
        try {
            await d.#spawn();
        } catch (e) {
            await d.stop().catch(() => {});
            throw e;
        }
        return d;
    }

    constructor(dir, options) {
        this.dir = dir;
        this.options = options;
        this.incoming = path.join(dir, 'incoming');
        this.configPath = path.join(dir, 'streamd.toml');
        this.address = options.address ?? '127.0.0.1';
    }

    async #spawn() {
        await mkdir(this.incoming);
        await writeFile(this.configPath, configText(this.dir, this.incoming, this.options));
        const { bus, address } = await startBus(this.dir);
        this.bus = bus;
        this.busAddress = address;
        this.process = spawn(streamdBinary(), ['--user', '--config', this.configPath, ...(this.options.args ?? [])],
            { env: childEnv({ DBUS_SESSION_BUS_ADDRESS: address }), stdio: ['ignore', 'pipe', 'pipe'] });
        this.output = new Output(this.process.stdout, this.process.stderr);
        this.exit = exited(this.process);
        const t = timeout(readyTimeoutMs, 'streamd did not log "listening on"');
        try {
            const m = await Promise.race([
                this.output.match(/listening on (\S+):(\d+)\b/),
                this.exit.then((s) => {
                    throw new Error(`streamd exited before listening (${JSON.stringify(s)})`);
                }),
                t.promise,
            ]);
            this.port = Number(m[2]);
        } catch (e) {
            throw explain(e, this.log());
        } finally {
            t.cancel();
        }
    }

    get host() {
        return this.address.includes(':') ? `[${this.address}]` : this.address;
    }
    get wsUrl() {
        return `ws://${this.host}:${this.port}/ws`;
    }
    url(p = '/') {
        return `http://${this.host}:${this.port}${p}`;
    }

    running() {
        return this.process && this.process.exitCode === null && this.process.signalCode === null;
    }

    // The end of the daemon's output, for failure messages.
    log(lines = 60) {
        const state = this.running() ? 'running'
            : `EXITED code=${this.process?.exitCode} signal=${this.process?.signalCode}`;
        return `--- streamd ${state}, config ${this.configPath} ---\n${this.output?.tail(lines) ?? ''}`;
    }

    // SIGTERM, then SIGKILL after a grace period; removes the folder. Returns how the daemon
    // ended, so that a suite can insist on a clean exit after all it was sent.
    async stop() {
        let status = null;
        if (this.process) status = await stopChild(this.process);
        if (this.bus) await stopChild(this.bus);
        if (!process.env.STREAMD_KEEP_TEST_DIRS) await rm(this.dir, { recursive: true, force: true });
        return status;
    }
}

// Adds `text` (a daemon's log) to a failure. The stack too: test reporters print the stack,
// which an error writes down when it is made.
export function explain(error, text) {
    if (!(error instanceof Error)) return error;
    error.message += `\n${text}`;
    if (typeof error.stack === 'string') error.stack += `\n${text}`;
    return error;
}

// Waits for `promise`, failing after `ms` with `what` in the message: the only use of time in
// the tests, a bound on a wait and never a condition.
export async function within(promise, ms, what) {
    const t = timeout(ms, what);
    try {
        return await Promise.race([promise, t.promise]);
    } finally {
        t.cancel();
    }
}

// Runs `body`; a failure carries the end of the daemon's log, its side of the story.
export async function withDaemonLog(daemon, body) {
    try {
        await body();
    } catch (e) {
        throw explain(e, daemon.log(30));
    }
}

// Random bytes written a piece at a time, hashed as they go, so that a large file never
// sits in memory; returns their SHA-256 in hex.
export async function writeRandomFile(file, size) {
    const handle = await openFile(file, 'w');
    const hash = createHash('sha256');
    try {
        for (let left = size; left > 0;) {
            const piece = randomBytes(Math.min(left, 16 * 1024 * 1024));
            hash.update(piece);
            await handle.write(piece);
            left -= piece.length;
        }
    } finally {
        await handle.close();
    }
    return hash.digest('hex');
}
