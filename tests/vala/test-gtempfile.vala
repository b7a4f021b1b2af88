/* test-gtempfile.vala: GTempfile from Vala, through the generated vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Creates, writes, persists and cleans up with the synchronous constructors
 * and the async ones (create_async, cleanup_async as Vala async methods),
 * and catches errors as GLib.IOError. meson runs it with --tap and TMPDIR
 * pointing at a folder of the build tree.
 */

using GTempfile;

static string scratch_root;
static int scratch_count;

static string scratch_dir () {
    // The pid keeps a run apart from what an earlier one left.
    var path = Path.build_filename (scratch_root,
                                    "case-%d-%d".printf ((int) Posix.getpid (), ++scratch_count));
    assert (DirUtils.create_with_parents (path, 0700) == 0);
    return path;
}

static int count_entries (string path) {
    int n = 0;
    try {
        var dir = Dir.open (path);
        while (dir.read_name () != null)
            n++;
    } catch (FileError e) {
        error ("%s", e.message);
    }
    return n;
}

static string read_file (string path) {
    string contents;
    try {
        FileUtils.get_contents (path, out contents);
    } catch (FileError e) {
        error ("%s", e.message);
    }
    return contents;
}

static void write_text (IOStream stream, string text) throws Error {
    size_t written;
    stream.output_stream.write_all (text.data, out written);
    assert (written == text.length);
}

static string read_text (IOStream stream) throws Error {
    var bytes = stream.input_stream.read_bytes (1 << 20);
    var text = new StringBuilder ();
    text.append_len ((string) bytes.get_data (), (ssize_t) bytes.get_size ());
    return text.str;
}

static void test_module_functions () {
    var dir = scratch_dir ();
    try {
        assert (GTempfile.get_tempdir () == scratch_root);
        assert (GTempfile.get_tempprefix () == "tmp");

        string path;
        int fd = GTempfile.mkstemp (dir, "pre-", ".txt", out path);
        assert (fd >= 0);
        assert (Path.get_basename (path).has_prefix ("pre-") && path.has_suffix (".txt"));
        FileUtils.close (fd);
        FileUtils.unlink (path);

        var made = GTempfile.mkdtemp (dir, null, "-d");
        assert (FileUtils.test (made, FileTest.IS_DIR));
        DirUtils.remove (made);
    } catch (Error e) {
        error ("%s", e.message);
    }

    try {
        GTempfile.mkdtemp (dir, "a/b", null);
        assert_not_reached ();
    } catch (IOError.INVALID_ARGUMENT e) {
        assert (e.message.contains ("a/b"));
    } catch (Error e) {
        error ("wrong error: %s", e.message);
    }
    assert (count_entries (dir) == 0);
}

static void test_temp_file () {
    var dir = scratch_dir ();
    try {
        var file = new TempFile.full (dir, "vala-", ".txt", TempFileFlags.NONE);
        var path = file.get_path ();
        assert (Path.get_basename (path).has_prefix ("vala-"));
        assert (file.get_delete () && file.get_delete_on_close ());
        assert (file.path == path);

        write_text (file, "written from Vala");
        file.seek (0, SeekType.SET);
        assert (read_text (file) == "written from Vala");
        assert (read_file (path) == "written from Vala");

        file.close ();
        assert (!FileUtils.test (path, FileTest.EXISTS));

        var kept = new TempFile.full (dir, null, null, TempFileFlags.KEEP);
        path = kept.get_path ();
        kept = null;
        assert (FileUtils.test (path, FileTest.EXISTS));
        FileUtils.unlink (path);

        var cleaned = new TempFile.full (dir, null, null, TempFileFlags.KEEP);
        path = cleaned.get_path ();
        assert (cleaned.cleanup ());
        assert (!FileUtils.test (path, FileTest.EXISTS));
    } catch (Error e) {
        error ("%s", e.message);
    }
    assert (count_entries (dir) == 0);
}

static void test_persist () {
    var dir = scratch_dir ();
    var target = Path.build_filename (dir, "saved.txt");
    try {
        FileUtils.set_contents (target, "old");
        var file = new TempFile.full (dir, null, null, TempFileFlags.NONE);
        write_text (file, "new");

        try {
            file.persist (target, TempPersistFlags.NO_REPLACE);
            assert_not_reached ();
        } catch (IOError.EXISTS e) {
        }
        assert (read_file (target) == "old");

        file.persist (target, TempPersistFlags.SYNC);
        assert (file.get_path () == target);
        assert (!file.get_delete ());
        file = null;
        assert (read_file (target) == "new");
        assert (count_entries (dir) == 1);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

static void test_temp_dir () {
    var dir = scratch_dir ();
    var outside = Path.build_filename (dir, "outside");
    try {
        DirUtils.create (outside, 0700);
        FileUtils.set_contents (Path.build_filename (outside, "precious"), "keep");

        var tmp = new TempDir.full (dir, "tree-", null, TempDirFlags.NONE);
        var path = tmp.get_path ();
        DirUtils.create_with_parents (Path.build_filename (path, "a", "b"), 0700);
        FileUtils.set_contents (Path.build_filename (path, "a", "b", "f"), "x");
        FileUtils.symlink (outside, Path.build_filename (path, "a", "link"));

        assert (tmp.cleanup ());
        assert (!FileUtils.test (path, FileTest.EXISTS));
        assert (read_file (Path.build_filename (outside, "precious")) == "keep");

        var dropped = new TempDir.full (dir, null, null, TempDirFlags.NONE);
        path = dropped.get_path ();
        dropped = null;
        assert (!FileUtils.test (path, FileTest.EXISTS));
    } catch (Error e) {
        error ("%s", e.message);
    }
    assert (count_entries (dir) == 1);

    try {
        new TempDir.full (Path.build_filename (dir, "missing"), null, null, TempDirFlags.NONE);
        assert_not_reached ();
    } catch (IOError.NOT_FOUND e) {
    } catch (Error e) {
        error ("wrong error: %s", e.message);
    }
}

static void test_spooled_stream () {
    var dir = scratch_dir ();
    var spool = new SpooledStream.full (8, dir, null, null);
    int notified = 0;
    spool.notify["rolled-over"].connect (() => notified++);
    try {
        write_text (spool, "12345678");
        assert (!spool.is_rolled_over ());
        write_text (spool, "9");
        assert (spool.is_rolled_over ());
        assert (notified == 1);
        spool.seek (0, SeekType.SET);
        assert (read_text (spool) == "123456789");
        assert (count_entries (dir) == 0);
        spool.close ();
    } catch (Error e) {
        error ("%s", e.message);
    }
}

static async void create_and_clean_up_async (string dir) throws Error {
    var file = yield TempFile.create_async (dir, "async-", null, TempFileFlags.NONE);
    write_text (file, "async");
    var file_path = file.get_path ();
    assert (FileUtils.test (file_path, FileTest.EXISTS));
    file.cleanup ();
    assert (!FileUtils.test (file_path, FileTest.EXISTS));

    var tmp = yield TempDir.create_async (dir, null, null, TempDirFlags.NONE, Priority.LOW);
    var path = tmp.get_path ();
    FileUtils.set_contents (Path.build_filename (path, "inside"), "x");
    assert (yield tmp.cleanup_async ());
    assert (!FileUtils.test (path, FileTest.EXISTS));

    try {
        yield TempFile.create_async (Path.build_filename (dir, "missing"), null, null,
                                     TempFileFlags.NONE);
        assert_not_reached ();
    } catch (IOError.NOT_FOUND e) {
    }

    var cancellable = new Cancellable ();
    cancellable.cancel ();
    try {
        yield TempDir.create_async (dir, null, null, TempDirFlags.NONE, Priority.DEFAULT,
                                    cancellable);
        assert_not_reached ();
    } catch (IOError.CANCELLED e) {
    }
}

static void test_async () {
    var dir = scratch_dir ();
    var loop = new MainLoop ();
    Error? failure = null;

    create_and_clean_up_async.begin (dir, (obj, res) => {
        try {
            create_and_clean_up_async.end (res);
        } catch (Error e) {
            failure = e;
        }
        loop.quit ();
    });
    loop.run ();

    if (failure != null)
        error ("%s", failure.message);
    assert (count_entries (dir) == 0);
}

int main (string[] args) {
    Test.init (ref args);
    /* meson gives the test a TMPDIR of its own; installed, it makes one. */
    bool own_scratch_root = false;
    int status;

    scratch_root = Environment.get_variable ("TMPDIR");
    if (scratch_root == null) {
        own_scratch_root = true;
        try {
            scratch_root = DirUtils.make_tmp ("gtempfile-test-XXXXXX");
        } catch (FileError e) {
            error ("%s", e.message);
        }
        Environment.set_variable ("TMPDIR", scratch_root, true);
    }
    assert (DirUtils.create_with_parents (scratch_root, 0700) == 0);

    Test.add_func ("/vala/module-functions", test_module_functions);
    Test.add_func ("/vala/temp-file", test_temp_file);
    Test.add_func ("/vala/persist", test_persist);
    Test.add_func ("/vala/temp-dir", test_temp_dir);
    Test.add_func ("/vala/spooled-stream", test_spooled_stream);
    Test.add_func ("/vala/async", test_async);
    status = Test.run ();
    /* Every test leaves its own folder removed: only the root is left. */
    if (own_scratch_root)
        DirUtils.remove (scratch_root);
    return status;
}
