/* gtempfile-platform-hooks.c: what every platform layer shares (floor 1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The features a platform layer was built with, and the test hooks that
 * take one away or make a system call fail, so that every fallback is
 * tested on the system that has the fast path. Each implementation
 * (gtempfile-platform-unix.c, gtempfile-platform-win32.c) says what it was
 * built with, in _g_tempfile_sys_feature_built(); the rest is here.
 */

#include "config.h"

#include <errno.h>

#include "gtempfile-platform-private.h"

int _g_tempfile_sys_disabled[GTEMPFILE_SYS_N_FEATURES];   /* atomic */
int _g_tempfile_sys_fork_count = 1;                        /* atomic */
static int unlink_fault_errno;                             /* atomic */
static int unlink_fault_times;                             /* atomic */
static guint fsync_count;                                  /* atomic */

gboolean
_g_tempfile_sys_has_feature (GTempfileSysFeature feature)
{
  g_return_val_if_fail (feature < GTEMPFILE_SYS_N_FEATURES, FALSE);

  return _g_tempfile_sys_feature_built (feature) &&
         !g_atomic_int_get (&_g_tempfile_sys_disabled[feature]);
}

void
_g_tempfile_sys_disable_for_testing (GTempfileSysFeature feature,
                                     gboolean            disable)
{
  g_return_if_fail (feature < GTEMPFILE_SYS_N_FEATURES);
  g_atomic_int_set (&_g_tempfile_sys_disabled[feature], disable);
}

void
_g_tempfile_sys_fail_unlink_for_testing (int   errsv,
                                         guint times)
{
  g_atomic_int_set (&unlink_fault_errno, errsv);
  g_atomic_int_set (&unlink_fault_times, (int) times);
}

gboolean
_g_tempfile_sys_unlink_fault (void)
{
  int times = g_atomic_int_get (&unlink_fault_times);

  while (G_UNLIKELY (times > 0))
    {
      if (g_atomic_int_compare_and_exchange_full (&unlink_fault_times, times, times - 1,
                                                  &times))
        {
          errno = g_atomic_int_get (&unlink_fault_errno);
          return TRUE;
        }
    }
  return FALSE;
}

void
_g_tempfile_sys_count_fsync (void)
{
  g_atomic_int_inc (&fsync_count);
}

guint
_g_tempfile_sys_get_fsync_count_for_testing (void)
{
  return g_atomic_int_get (&fsync_count);
}
