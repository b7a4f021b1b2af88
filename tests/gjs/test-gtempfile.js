// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GTempfile from GJS through the plain GIR API: creation, the streams,
// persist, cleanup, errors as GLib.Error, the removal walk, rollover, and
// async create/cleanup on a GLib main loop. Prints TAP; run with `gjs -m`
// and the uninstalled typelib (meson sets GI_TYPELIB_PATH and
// LD_LIBRARY_PATH, and TMPDIR to a folder of the build tree).

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GTempfile from 'gi://GTempfile?version=1';
import System from 'system';

Gio._promisify(GTempfile.TempFile, 'create_async', 'create_finish');
Gio._promisify(GTempfile.TempDir, 'create_async', 'create_finish');
Gio._promisify(GTempfile.TempDir.prototype, 'cleanup_async', 'cleanup_finish');

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// meson gives the test a TMPDIR of its own, which a fresh build tree does
// not have yet (get_tempdir() needs it to exist); installed, the test makes
// one.
let scratchRoot = GLib.getenv('TMPDIR');
let ownScratchRoot = false;
if (scratchRoot) {
    GLib.mkdir_with_parents(scratchRoot, 0o700);
} else {
    scratchRoot = GLib.dir_make_tmp('gtempfile-test-XXXXXX');
    GLib.setenv('TMPDIR', scratchRoot, true);
    ownScratchRoot = true;
}

// --- a small TAP harness --------------------------------------------------

const tests = [];
function test(name, func) {
    tests.push({name, func});
}

class AssertionError extends Error {}

function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

function assertEqual(actual, expected, what = 'value') {
    if (actual !== expected)
        throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function assertIOError(code, func) {
    try {
        func();
    } catch (e) {
        assert(e instanceof GLib.Error, `expected a GLib.Error, got ${e}`);
        assert(e.matches(Gio.IOErrorEnum, code),
            `expected Gio.IOErrorEnum ${code}, got domain ${e.domain} code ${e.code}: ${e.message}`);
        return e;
    }
    throw new AssertionError(`expected Gio.IOErrorEnum ${code}, nothing was thrown`);
}

async function assertIOErrorAsync(code, promise) {
    try {
        await promise;
    } catch (e) {
        assert(e instanceof GLib.Error, `expected a GLib.Error, got ${e}`);
        assert(e.matches(Gio.IOErrorEnum, code), `expected code ${code}, got ${e.code}: ${e.message}`);
        return e;
    }
    throw new AssertionError(`expected Gio.IOErrorEnum ${code}, nothing was thrown`);
}

// --- helpers ---------------------------------------------------------------

// A fresh directory in TMPDIR for each test, apart from earlier runs'.
function scratchDir() {
    return GLib.dir_make_tmp('case-XXXXXX');
}

function exists(path) {
    return GLib.file_test(path, GLib.FileTest.EXISTS) ||
           GLib.file_test(path, GLib.FileTest.IS_SYMLINK);
}

function listDir(path) {
    const names = [];
    const enumerator = Gio.File.new_for_path(path).enumerate_children(
        'standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    let info;
    while ((info = enumerator.next_file(null)) !== null)
        names.push(info.get_name());
    enumerator.close(null);
    return names.sort();
}

function readFile(path) {
    const [, contents] = GLib.file_get_contents(path);
    return decoder.decode(contents);
}

function writeAll(stream, text) {
    const [ok, written] = stream.get_output_stream().write_all(encoder.encode(text), null);
    assert(ok);
    return written;
}

function readAll(stream) {
    const bytes = stream.get_input_stream().read_bytes(1 << 20, null);
    return decoder.decode(bytes.toArray());
}

function rewind(stream) {
    assert(stream.seek(0, GLib.SeekType.SET, null));
}

const NONE = GTempfile.TempFileFlags.NONE;

// --- module functions ----------------------------------------------------

test('module: tempdir, prefix, mkstemp, mkdtemp', () => {
    const dir = scratchDir();
    assertEqual(GTempfile.get_tempdir(), scratchRoot, 'get_tempdir');
    assertEqual(GTempfile.get_tempprefix(), 'tmp', 'get_tempprefix');

    const [fd, path] = GTempfile.mkstemp(dir, 'pre-', '.txt');
    assert(fd >= 0);
    assert(GLib.path_get_basename(path).startsWith('pre-') && path.endsWith('.txt'), path);
    assertEqual(GLib.path_get_basename(path).length, 4 + 8 + 4, 'name length');
    GLib.close(fd);
    GLib.unlink(path);

    const made = GTempfile.mkdtemp(dir, null, '-d');
    assert(GLib.file_test(made, GLib.FileTest.IS_DIR));
    GLib.rmdir(made);

    assertIOError(Gio.IOErrorEnum.INVALID_ARGUMENT, () => GTempfile.mkstemp(dir, 'a/b', null));
    assertIOError(Gio.IOErrorEnum.NOT_FOUND, () => GTempfile.mkdtemp(`${dir}/missing`, null, null));
    assertEqual(listDir(dir).length, 0, 'entries left');
});

// --- GTempFile -------------------------------------------------------------

test('TempFile: create, write, read back through the streams, close removes', () => {
    const dir = scratchDir();
    const f = GTempfile.TempFile.new_full(dir, 'js-', '.dat', NONE, null);
    assert(f instanceof Gio.FileIOStream && f instanceof GTempfile.TempFile);
    const path = f.get_path();
    assert(GLib.path_get_basename(path).startsWith('js-') && path.endsWith('.dat'));
    assertEqual(f.get_file().get_path(), path, 'get_file');
    assertEqual(f.path, path, 'path property');
    assert(f.get_delete() && f.get_delete_on_close());

    assertEqual(writeAll(f, 'hello, gjs'), 10, 'written');
    assertEqual(f.tell(), 10, 'position');
    rewind(f);
    assertEqual(readAll(f), 'hello, gjs', 'read back');
    assertEqual(readFile(path), 'hello, gjs', 'on disk');

    assert(f.close(null));
    assert(!exists(path), 'removed on close');
    assertIOError(Gio.IOErrorEnum.CLOSED, () => writeAll(f, 'x'));
});

test('TempFile: deletion table (close, dispose, cleanup)', () => {
    const dir = scratchDir();
    const cases = [
        // flags, left after close, left after dispose
        [NONE, false, false],
        [GTempfile.TempFileFlags.KEEP_ON_CLOSE, true, false],
        [GTempfile.TempFileFlags.KEEP, true, true],
    ];
    for (const [flags, afterClose, afterDispose] of cases) {
        const f = GTempfile.TempFile.new_full(dir, null, null, flags, null);
        const path = f.get_path();
        f.close(null);
        assertEqual(exists(path), afterClose, `flags ${flags} after close`);
        f.run_dispose();
        assertEqual(exists(path), afterDispose, `flags ${flags} after dispose`);
        if (exists(path))
            GLib.unlink(path);
    }

    const kept = GTempfile.TempFile.new_full(dir, null, null, GTempfile.TempFileFlags.KEEP, null);
    const path = kept.get_path();
    assert(kept.cleanup(null));
    assert(!exists(path), 'cleanup removes whatever delete says');
    assert(kept.cleanup(null), 'cleanup is idempotent');
    kept.set_delete(true);
});

test('TempFile: persist, and NO_REPLACE refuses an existing target', () => {
    const dir = scratchDir();
    const target = `${dir}/final.txt`;
    GLib.file_set_contents(target, 'old');

    const f = GTempfile.TempFile.new_full(dir, null, null, NONE, null);
    const tempPath = f.get_path();
    writeAll(f, 'new');
    assertIOError(Gio.IOErrorEnum.EXISTS,
        () => f.persist(target, GTempfile.TempPersistFlags.NO_REPLACE));
    assertEqual(f.get_path(), tempPath, 'unchanged after failure');
    assertEqual(readFile(target), 'old');

    assert(f.persist(target, GTempfile.TempPersistFlags.SYNC));
    assertEqual(f.get_path(), target);
    assert(!f.get_delete());
    f.close(null);
    assertEqual(readFile(target), 'new');
    assertEqual(listDir(dir).join(','), 'final.txt');
});

test('TempFile: anonymous leaves no name', () => {
    const dir = scratchDir();
    const f = GTempfile.TempFile.new_full(dir, null, null, GTempfile.TempFileFlags.ANONYMOUS, null);
    assert(f.is_anonymous());
    assertEqual(f.get_path(), null, 'path');
    assertEqual(listDir(dir).length, 0, 'entries');
    writeAll(f, 'abc');
    rewind(f);
    assertEqual(readAll(f), 'abc');
    f.close(null);
});

test('TempFile: constructor errors are GLib.Error and leave nothing', () => {
    const dir = scratchDir();
    const e = assertIOError(Gio.IOErrorEnum.NOT_FOUND,
        () => GTempfile.TempFile.new_full(`${dir}/nope`, null, null, NONE, null));
    assert(e.message.includes('nope'), e.message);
    assertIOError(Gio.IOErrorEnum.INVALID_ARGUMENT,
        () => GTempfile.TempFile.new_full(dir, null, 'x/y', NONE, null));
    assertIOError(Gio.IOErrorEnum.FILENAME_TOO_LONG,
        () => GTempfile.TempFile.new_full(dir, 'p'.repeat(300), null, NONE, null));
    assertEqual(listDir(dir).length, 0, 'entries');
});

// --- GTempDir --------------------------------------------------------------

test('TempDir: cleanup removes a tree but not what a symlink points to', () => {
    const dir = scratchDir();
    const outside = `${dir}/outside`;
    GLib.mkdir_with_parents(outside, 0o700);
    GLib.file_set_contents(`${outside}/precious`, 'keep');

    const d = GTempfile.TempDir.new_full(dir, 'tree-', null, GTempfile.TempDirFlags.NONE, null);
    const path = d.get_path();
    GLib.mkdir_with_parents(`${path}/a/b/c`, 0o700);
    GLib.file_set_contents(`${path}/a/b/c/file`, 'x');
    Gio.File.new_for_path(`${path}/a/link`).make_symbolic_link(outside, null);
    Gio.File.new_for_path(`${path}/filelink`).make_symbolic_link(`${outside}/precious`, null);

    assert(d.cleanup(null));
    assert(!exists(path), 'tree removed');
    assertEqual(readFile(`${outside}/precious`), 'keep', 'target of the link');
    assertEqual(listDir(dir).join(','), 'outside');
    assert(d.cleanup(null), 'idempotent');
});

test('TempDir: dispose removes, KEEP keeps, persist moves', () => {
    const dir = scratchDir();
    const d = GTempfile.TempDir.new_full(dir, null, null, GTempfile.TempDirFlags.NONE, null);
    const path = d.get_path();
    GLib.file_set_contents(`${path}/f`, 'x');
    d.run_dispose();
    assert(!exists(path), 'removed on dispose');

    const kept = GTempfile.TempDir.new_full(dir, null, null, GTempfile.TempDirFlags.KEEP, null);
    const keptPath = kept.get_path();
    assert(!kept.get_delete());
    kept.run_dispose();
    assert(exists(keptPath), 'kept');

    const moved = GTempfile.TempDir.new_full(dir, null, null, GTempfile.TempDirFlags.NONE, null);
    GLib.file_set_contents(`${moved.get_path()}/result`, 'r');
    assertIOError(Gio.IOErrorEnum.EXISTS,
        () => moved.persist(keptPath, GTempfile.TempPersistFlags.NO_REPLACE));
    assert(moved.persist(`${dir}/final`, GTempfile.TempPersistFlags.NONE));
    assert(moved.cleanup(null));
    assertEqual(readFile(`${dir}/final/result`), 'r');
});

test('TempDir: a symlink put in its place is not followed', () => {
    const dir = scratchDir();
    const d = GTempfile.TempDir.new_full(dir, null, null, GTempfile.TempDirFlags.NONE, null);
    const path = d.get_path();
    const victim = `${dir}/victim`;
    GLib.mkdir_with_parents(victim, 0o700);
    GLib.file_set_contents(`${victim}/data`, 'x');
    Gio.File.new_for_path(path).move(Gio.File.new_for_path(`${path}.away`),
        Gio.FileCopyFlags.NOFOLLOW_SYMLINKS, null, null);
    Gio.File.new_for_path(path).make_symbolic_link(victim, null);

    let thrown = null;
    try {
        d.cleanup(null);
    } catch (e) {
        thrown = e;
    }
    assert(thrown instanceof GLib.Error, 'cleanup reports the swap');
    assertEqual(readFile(`${victim}/data`), 'x', 'victim untouched');
    GLib.unlink(path);
    assert(d.cleanup(null), 'nothing at the path is success');
});

// --- GSpooledStream --------------------------------------------------------

test('SpooledStream: memory until past max-size, then an anonymous file', () => {
    const dir = scratchDir();
    const s = GTempfile.SpooledStream.new_full(8, dir, null, null);
    let notified = 0;
    s.connect('notify::rolled-over', () => notified++);
    writeAll(s, '12345678');
    assert(!s.is_rolled_over(), 'at max-size: still in memory');
    assert(s.seek(100, GLib.SeekType.SET, null));
    assert(!s.is_rolled_over(), 'seeking alone does not roll over');
    assert(s.seek(8, GLib.SeekType.SET, null));
    writeAll(s, '9');
    assert(s.is_rolled_over() && s.rolled_over, 'rolled over');
    assertEqual(notified, 1, 'notify::rolled-over');
    assertEqual(s.tell(), 9, 'position kept');
    rewind(s);
    assertEqual(readAll(s), '123456789');
    assertEqual(listDir(dir).length, 0, 'anonymous');
    s.close(null);

    const unlimited = GTempfile.SpooledStream.new(0);
    writeAll(unlimited, 'x'.repeat(1 << 16));
    assert(!unlimited.is_rolled_over());
    assert(unlimited.truncate(1 << 20, null));
    assert(!unlimited.is_rolled_over(), 'max-size 0 never rolls over');
    unlimited.close(null);
});

test('SpooledStream: a failed rollover loses nothing', () => {
    const dir = scratchDir();
    const s = GTempfile.SpooledStream.new_full(4, `${dir}/missing`, null, null);
    writeAll(s, 'kept');
    assertIOError(Gio.IOErrorEnum.NOT_FOUND, () => writeAll(s, 'more'));
    assert(!s.is_rolled_over());
    rewind(s);
    assertEqual(readAll(s), 'kept');
    assertIOError(Gio.IOErrorEnum.NOT_FOUND, () => s.get_fd());
    s.close(null);
});

// --- async -----------------------------------------------------------------

test('async: create_async and cleanup_async with promises', async () => {
    const dir = scratchDir();
    const f = await GTempfile.TempFile.create_async(dir, 'async-', null, NONE,
        GLib.PRIORITY_DEFAULT, null);
    assert(f instanceof GTempfile.TempFile);
    assert(GLib.path_get_basename(f.get_path()).startsWith('async-'));
    writeAll(f, 'async');
    const filePath = f.get_path();
    assert(f.cleanup(null));
    assert(!exists(filePath));

    const d = await GTempfile.TempDir.create_async(dir, null, null,
        GTempfile.TempDirFlags.NONE, GLib.PRIORITY_DEFAULT, null);
    GLib.mkdir_with_parents(`${d.get_path()}/x/y`, 0o700);
    GLib.file_set_contents(`${d.get_path()}/x/y/z`, 'z');
    assertEqual(await d.cleanup_async(GLib.PRIORITY_DEFAULT, null), true, 'cleanup_async');
    assert(!exists(d.get_path()));

    await assertIOErrorAsync(Gio.IOErrorEnum.NOT_FOUND,
        GTempfile.TempFile.create_async(`${dir}/missing`, null, null, NONE,
            GLib.PRIORITY_DEFAULT, null));
    await assertIOErrorAsync(Gio.IOErrorEnum.INVALID_ARGUMENT,
        GTempfile.TempDir.create_async(dir, 'a/b', null, GTempfile.TempDirFlags.NONE,
            GLib.PRIORITY_DEFAULT, null));

    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    await assertIOErrorAsync(Gio.IOErrorEnum.CANCELLED,
        GTempfile.TempFile.create_async(dir, null, null, NONE, GLib.PRIORITY_DEFAULT,
            cancellable));
    assertEqual(listDir(dir).length, 0, 'entries');
});

// --- run -------------------------------------------------------------------

async function runAll() {
    let failed = 0;
    for (const [index, {name, func}] of tests.entries()) {
        try {
            // eslint-disable-next-line no-await-in-loop
            await func();
            print(`ok ${index + 1} - ${name}`);
        } catch (e) {
            failed++;
            print(`not ok ${index + 1} - ${name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
        }
    }
    print(`1..${tests.length}`);
    return failed;
}

const loop = new GLib.MainLoop(null, false);
let failures = 1;
runAll().then(count => {
    failures = count;
}).catch(e => {
    print(`Bail out! ${e}`);
}).finally(() => loop.quit());
loop.run();
// Every test leaves its own folder empty and removed: only the root is left.
if (ownScratchRoot)
    GLib.rmdir(scratchRoot);
System.exit(failures === 0 ? 0 : 1);
