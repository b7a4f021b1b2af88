/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See libintl.h: the untranslated message is always the answer.
 */
#include "libintl.h"

#include <stddef.h>
#include <string.h>

char *
gettext (const char *msgid)
{
  return (char *) msgid;
}

char *
dgettext (const char *domainname, const char *msgid)
{
  (void) domainname;
  return (char *) msgid;
}

char *
dcgettext (const char *domainname, const char *msgid, int category)
{
  (void) domainname;
  (void) category;
  return (char *) msgid;
}

char *
ngettext (const char *msgid, const char *msgid_plural, unsigned long n)
{
  return (char *) (n == 1 ? msgid : msgid_plural);
}

char *
dngettext (const char *domainname, const char *msgid,
           const char *msgid_plural, unsigned long n)
{
  (void) domainname;
  return (char *) (n == 1 ? msgid : msgid_plural);
}

char *
dcngettext (const char *domainname, const char *msgid,
            const char *msgid_plural, unsigned long n, int category)
{
  (void) domainname;
  (void) category;
  return (char *) (n == 1 ? msgid : msgid_plural);
}

/* The current domain is copied and remembered, as a caller of
 * textdomain (NULL) expects; directories and codesets are accepted and
 * forgotten. */
static char current_domain[256] = "messages";

char *
textdomain (const char *domainname)
{
  if (domainname != NULL)
    {
      if (domainname[0] == '\0')
        domainname = "messages";
      strncpy (current_domain, domainname, sizeof current_domain - 1);
    }
  return current_domain;
}

char *
bindtextdomain (const char *domainname, const char *dirname)
{
  (void) domainname;
  return (char *) dirname;
}

char *
bind_textdomain_codeset (const char *domainname, const char *codeset)
{
  (void) domainname;
  return (char *) codeset;
}
