/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gettext API with nothing behind it: every message is its own
 * translation. Only for the Windows test build of GLib (see meson.build).
 */
#ifndef PROXY_LIBINTL_H
#define PROXY_LIBINTL_H

#include <locale.h>

/* The Windows C runtime has no LC_MESSAGES; GLib calls
 * setlocale (LC_MESSAGES, NULL). A category outside the runtime's range
 * makes msvcrt's setlocale return NULL, which GLib treats as "C". */
#ifndef LC_MESSAGES
# define LC_MESSAGES (LC_MAX + 1)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* format_arg: GLib builds with -Werror=format=2, which checks the format
 * strings passed through these functions. */
#if defined(__GNUC__) || defined(__clang__)
# define PROXY_INTL_FORMAT_ARG(n) __attribute__ ((__format_arg__ (n)))
#else
# define PROXY_INTL_FORMAT_ARG(n)
#endif

char *gettext (const char *msgid) PROXY_INTL_FORMAT_ARG (1);
char *dgettext (const char *domainname, const char *msgid) PROXY_INTL_FORMAT_ARG (2);
char *dcgettext (const char *domainname, const char *msgid, int category)
  PROXY_INTL_FORMAT_ARG (2);
char *ngettext (const char *msgid, const char *msgid_plural, unsigned long n)
  PROXY_INTL_FORMAT_ARG (1) PROXY_INTL_FORMAT_ARG (2);
char *dngettext (const char *domainname, const char *msgid,
                 const char *msgid_plural, unsigned long n)
  PROXY_INTL_FORMAT_ARG (2) PROXY_INTL_FORMAT_ARG (3);
char *dcngettext (const char *domainname, const char *msgid,
                  const char *msgid_plural, unsigned long n, int category)
  PROXY_INTL_FORMAT_ARG (2) PROXY_INTL_FORMAT_ARG (3);
char *textdomain (const char *domainname);
char *bindtextdomain (const char *domainname, const char *dirname);
char *bind_textdomain_codeset (const char *domainname, const char *codeset);

#ifdef __cplusplus
}
#endif

#endif /* PROXY_LIBINTL_H */
