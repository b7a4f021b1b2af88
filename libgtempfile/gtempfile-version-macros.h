/* gtempfile-version-macros.h: symbol export and availability macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GTEMPFILE_INSIDE) && !defined(GTEMPFILE_COMPILATION)
# error "Only <gtempfile.h> can be included directly."
#endif

#include <glib.h>

/* The library is built with hidden visibility; only what these macros mark
 * is exported. */
#if defined(_WIN32) && !defined(__CYGWIN__)
# if defined(GTEMPFILE_COMPILATION)
#  define _GTEMPFILE_EXTERN __declspec(dllexport) extern
# elif defined(GTEMPFILE_STATIC)
   /* Linked with the static archive (the C tests), not the DLL. */
#  define _GTEMPFILE_EXTERN extern
# else
#  define _GTEMPFILE_EXTERN __declspec(dllimport) extern
# endif
#elif defined(__GNUC__)
# define _GTEMPFILE_EXTERN __attribute__((visibility ("default"))) extern
#else
# define _GTEMPFILE_EXTERN extern
#endif

#define GTEMPFILE_AVAILABLE_IN_ALL _GTEMPFILE_EXTERN
#define GTEMPFILE_AVAILABLE_IN_1_0 _GTEMPFILE_EXTERN
