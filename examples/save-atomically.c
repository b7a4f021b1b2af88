/* save-atomically: write standard input to a file so that readers only ever
 * see the old content or the complete new content, never half of it.
 *
 *   some-command | save-atomically output.txt
 *
 * The data goes to a GTempFile in the same directory as the target; only when
 * everything is written and flushed does persist() rename it over the target.
 * If anything fails, or the program is interrupted, the target is untouched
 * and the temporary file is removed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtempfile.h>
#include <gio/gunixinputstream.h>
#include <stdlib.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempFile) tmp = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autofree char *target_dir = NULL;
  GOutputStream *out;
  gssize copied;

  if (argc != 2)
    {
      g_printerr ("Usage: %s TARGET < DATA\n", argv[0]);
      return 2;
    }

  /* Same directory as the target: persist() renames, which cannot cross
   * file systems. */
  target_dir = g_path_get_dirname (argv[1]);
  tmp = g_temp_file_new_full (target_dir, ".save-", ".part", G_TEMP_FILE_FLAGS_NONE,
                              NULL, &error);
  if (tmp == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  out = g_io_stream_get_output_stream (G_IO_STREAM (tmp));
  copied = g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, &error);
  if (copied < 0)
    {
      g_printerr ("%s\n", error->message);
      return 1;   /* tmp is removed when it goes out of scope */
    }

  if (!g_temp_file_persist (tmp, argv[1], G_TEMP_PERSIST_SYNC, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("saved %" G_GSSIZE_FORMAT " bytes to %s\n", copied, g_temp_file_get_path (tmp));
  return 0;
}
