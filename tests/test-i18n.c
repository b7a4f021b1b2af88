/* test-i18n.c: the library's error messages in the user's language
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Uses the catalogues built in this tree (GTEMPFILE_TEST_LOCALEDIR, set by
 * meson) and the de_DE.UTF-8 and fr_FR.UTF-8 locales, which
 * build-aux/install-deps.sh generates. Where a locale is missing (a
 * distribution's build chroot has none) the test is skipped with the
 * reason, so it never passes by proving nothing; build-aux/run-tests sets
 * GTEMPFILE_TEST_REQUIRE_LOCALES=1, which makes a missing locale a failure.
 */

#include "config.h"

#include <libintl.h>
#include <locale.h>

#include "gtempfile.h"
#include "gtempfile-error-private.h"
#include "test-common.h"

/* The library binds its domain to the installed catalogues the first time
 * it translates; bind it to the build tree's after that (meson says where
 * they are). An installed test keeps the installed ones. */
static void
use_build_tree_catalogues (void)
{
  const char *localedir = g_getenv ("GTEMPFILE_TEST_LOCALEDIR");

  if (localedir == NULL)
    localedir = LOCALEDIR;
  (void) _("Error creating a temporary file in “%s”: %s");
  g_assert_nonnull (bindtextdomain (GETTEXT_PACKAGE, localedir));
}

typedef struct
{
  const char *locale;
  const char *language;
  const char *invalid_prefix;   /* how the message starts */
  const char *not_found;
} Language;

static const Language languages[] = {
  { "de_DE.UTF-8", "de", "Ungültiges Präfix „a/b“", "Fehler beim Erstellen einer temporären Datei in „" },
  /* French puts no-break spaces inside « ». */
  { "fr_FR.UTF-8", "fr", "Préfixe «\u00a0a/b\u00a0» non valide",
    "Erreur lors de la création d’un fichier temporaire dans «\u00a0" },
};

static void
test_error_in (gconstpointer data)
{
  const Language *language = data;
  g_autofree char *dir = test_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_locale = g_strdup (setlocale (LC_ALL, NULL));

  use_build_tree_catalogues ();
  if (setlocale (LC_ALL, language->locale) == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("the %s locale is not available "
                                                 "(build-aux/install-deps.sh generates it)",
                                                 language->locale);

      if (g_strcmp0 (g_getenv ("GTEMPFILE_TEST_REQUIRE_LOCALES"), "1") == 0)
        g_error ("%s", reason);
      g_test_skip (reason);
      test_remove_tree (dir);
      return;
    }
  g_setenv ("LANGUAGE", language->language, TRUE);

  g_assert_cmpint (g_tempfile_mkstemp (dir, "a/b", NULL, &path, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, language->invalid_prefix));
  g_clear_error (&error);

  /* The system's part of the message comes from the C library, in the
   * same language; the path is in it, whatever the language. */
  g_assert_cmpint (g_tempfile_mkstemp (missing, NULL, NULL, &path, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, language->not_found));
  g_assert_nonnull (strstr (error->message, missing));

  g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, old_locale);
  test_remove_tree (dir);
}

/* Without a translation the English text comes out unchanged. */
static void
test_untranslated (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  use_build_tree_catalogues ();
  setlocale (LC_ALL, "C.UTF-8");
  g_unsetenv ("LANGUAGE");
  g_assert_cmpint (g_tempfile_mkstemp (dir, "a/b", NULL, &path, &error), ==, -1);
  g_assert_cmpstr (error->message, ==,
                   "Invalid prefix “a/b” for a temporary name: it must not contain “/”");
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_autofree char *name = g_strdup_printf ("/i18n/error-in-%s", languages[i].language);

      g_test_add_data_func (name, &languages[i], test_error_in);
    }
  g_test_add_func ("/i18n/untranslated", test_untranslated);

  return g_test_run ();
}
