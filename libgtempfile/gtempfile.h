/* gtempfile.h: secure temporary files, directories and spooled streams for GIO
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define GTEMPFILE_INSIDE

#include <gio/gio.h>

#include "gtempfile-version.h"
#include "gtempfile-version-macros.h"
#include "gtempfile-enums.h"
#include "gtempfile-enum-types.h"
#include "gtempfile-utils.h"
#include "gtemp-file.h"
#include "gtemp-dir.h"
#include "gspooled-stream.h"

#undef GTEMPFILE_INSIDE
