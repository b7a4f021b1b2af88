/* gtemp-file-streams.c: the input and output halves of a GTempFile
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Both halves read and write their owner's descriptor, so they share one file
 * position, as the two halves of GIO's local GFileIOStream do. They are a
 * GFileInputStream and a GFileOutputStream, so GFileIOStream's default seek,
 * tell, truncate and query_info (which call the output half) work on the
 * GTempFile itself.
 *
 * The descriptor belongs to the owner: closing a half only marks it closed.
 * A half may outlive its owner: GIOStream closes both halves when the owner
 * is closed or disposed. A half reaches its owner through a plain pointer,
 * which the owner's dispose clears, and holds a bit lock for the length of
 * each operation: dispose waits for an operation under way (an asynchronous
 * one runs in a worker thread) before it lets go of the descriptor, and no
 * operation starts on an owner that is gone. (A GWeakRef did the same with a
 * process-wide lock and a lookup per operation.)
 */

#include "config.h"

#include <errno.h>

#ifdef HAVE_GIO_UNIX
/* GFileDescriptorBased is part of gio-unix, which Windows does not have:
 * there the halves are plain file streams. */
# include <gio/gfiledescriptorbased.h>
#endif

#include "gtempfile.h"
#include "gtemp-file-private.h"
#include "gtempfile-error-private.h"
#include "gtempfile-object-private.h"
#include "gtempfile-platform-private.h"

/* The way to the owner ----------------------------------------------------- */

typedef struct
{
  GTempFile     *owner;   /* cleared by the owner's dispose */
  GTempfileLock  lock;    /* held for the length of an operation */
} OwnerLink;

/* The owner, with the link locked until owner_end(); NULL once it is gone. */
static GTempFile *
owner_begin (OwnerLink *link)
{
  _g_tempfile_lock (&link->lock);
  return link->owner;
}

static void
owner_end (OwnerLink *link)
{
  _g_tempfile_unlock (&link->lock);
}

static void
owner_clear (OwnerLink *link)
{
  _g_tempfile_lock (&link->lock);
  link->owner = NULL;
  _g_tempfile_unlock (&link->lock);
}

/* Operations on the owner's descriptor ------------------------------------ */

static int
owner_fd (GTempFile *owner)
{
  return owner != NULL ? g_temp_file_get_fd (owner) : -1;
}

static gboolean
begin_op (GTempFile     *owner,
          GCancellable  *cancellable,
          GError       **error)
{
  if (owner == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Stream is already closed"));
      return FALSE;
    }

  return _g_temp_file_check_open (owner, error) &&
         !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static gssize
fd_read (GTempFile     *owner,
         void          *buffer,
         gsize          count,
         GCancellable  *cancellable,
         GError       **error)
{
  gssize res;

  if (!begin_op (owner, cancellable, error))
    return -1;

  res = _g_tempfile_sys_read (owner_fd (owner), buffer, count);
  if (res < 0)
    _g_temp_file_set_op_error (owner, G_TEMP_FILE_OP_READ, errno, error);

  return res;
}

static gssize
fd_write (GTempFile     *owner,
          const void    *buffer,
          gsize          count,
          GCancellable  *cancellable,
          GError       **error)
{
  gssize res;

  if (!begin_op (owner, cancellable, error))
    return -1;

  res = _g_tempfile_sys_write (owner_fd (owner), buffer, count);
  if (res < 0)
    _g_temp_file_set_op_error (owner, G_TEMP_FILE_OP_WRITE, errno, error);

  return res;
}

static goffset
fd_tell (GTempFile *owner)
{
  int fd = owner_fd (owner);
  gint64 pos;

  if (fd < 0)
    return 0;

  pos = _g_tempfile_sys_seek (fd, 0, 1);
  return pos < 0 ? 0 : pos;
}

static gboolean
fd_seek (GTempFile     *owner,
         goffset        offset,
         GSeekType      type,
         GCancellable  *cancellable,
         GError       **error)
{
  int whence;

  if (!begin_op (owner, cancellable, error))
    return FALSE;

  switch (type)
    {
    case G_SEEK_SET:
      whence = 0;
      break;
    case G_SEEK_CUR:
      whence = 1;
      break;
    case G_SEEK_END:
      whence = 2;
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Invalid seek type %d"), (int) type);
      return FALSE;
    }

  if (_g_tempfile_sys_seek (owner_fd (owner), offset, whence) < 0)
    {
      _g_temp_file_set_op_error (owner, G_TEMP_FILE_OP_SEEK, errno, error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
fd_truncate (GTempFile     *owner,
             goffset        size,
             GCancellable  *cancellable,
             GError       **error)
{
  if (!begin_op (owner, cancellable, error))
    return FALSE;

  if (_g_tempfile_sys_truncate (owner_fd (owner), size) != 0)
    {
      _g_temp_file_set_op_error (owner, G_TEMP_FILE_OP_TRUNCATE, errno, error);
      return FALSE;
    }

  return TRUE;
}

static char *
etag_from_info (const GTempfileSysFileInfo *info)
{
  /* The format of GIO's local files, so etags compare with theirs. */
  return g_strdup_printf ("%lu:%lu", (gulong) info->mtime, (gulong) (info->mtime_nsec / 1000));
}

static void
set_time (GFileInfo  *info,
          const char *seconds,
          const char *usec,
          const char *nsec,
          gint64      sec,
          guint32     ns)
{
  g_file_info_set_attribute_uint64 (info, seconds, sec);
  g_file_info_set_attribute_uint32 (info, usec, ns / 1000);
  g_file_info_set_attribute_uint32 (info, nsec, ns);
}

static GFileInfo *
fd_query_info (GTempFile     *owner,
               const char    *attributes,
               GCancellable  *cancellable,
               GError       **error)
{
  GFileAttributeMatcher *matcher;
  g_autofree char *etag = NULL;
  g_autofree char *id = NULL;
  GTempfileSysFileInfo st;
  const char *path;
  GFileInfo *info;

  if (!begin_op (owner, cancellable, error))
    return NULL;

  if (_g_tempfile_sys_fstat (owner_fd (owner), &st) != 0)
    {
      _g_temp_file_set_op_error (owner, G_TEMP_FILE_OP_STAT, errno, error);
      return NULL;
    }

  matcher = g_file_attribute_matcher_new (attributes != NULL ? attributes : "*");
  info = g_file_info_new ();
  /* Setters of attributes that were not asked for do nothing. The info
   * keeps its own reference to the matcher. */
  g_file_info_set_attribute_mask (info, matcher);
  g_file_attribute_matcher_unref (matcher);

  path = g_temp_file_get_path (owner);
  if (path != NULL)
    {
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *display = g_filename_display_basename (path);

      g_file_info_set_name (info, name);
      g_file_info_set_display_name (info, display);
      g_file_info_set_is_hidden (info, name[0] == '.');
    }

  g_file_info_set_file_type (info, G_FILE_TYPE_REGULAR);
  g_file_info_set_size (info, st.size);
  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_STANDARD_ALLOCATED_SIZE,
                                    st.blocks * 512);

  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_DEVICE, (guint32) st.id.dev);
  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE, st.id.ino);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE, st.mode);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_NLINK, st.nlink);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_UID, st.uid);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_GID, st.gid);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_RDEV, st.rdev);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_BLOCK_SIZE, st.block_size);
  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_BLOCKS, st.blocks);

  set_time (info, G_FILE_ATTRIBUTE_TIME_MODIFIED, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
            G_FILE_ATTRIBUTE_TIME_MODIFIED_NSEC, st.mtime, st.mtime_nsec);
  set_time (info, G_FILE_ATTRIBUTE_TIME_ACCESS, G_FILE_ATTRIBUTE_TIME_ACCESS_USEC,
            G_FILE_ATTRIBUTE_TIME_ACCESS_NSEC, st.atime, st.atime_nsec);
  set_time (info, G_FILE_ATTRIBUTE_TIME_CHANGED, G_FILE_ATTRIBUTE_TIME_CHANGED_USEC,
            G_FILE_ATTRIBUTE_TIME_CHANGED_NSEC, st.ctime, st.ctime_nsec);

  /* The descriptor is open for reading and writing. */
  g_file_info_set_attribute_boolean (info, G_FILE_ATTRIBUTE_ACCESS_CAN_READ, TRUE);
  g_file_info_set_attribute_boolean (info, G_FILE_ATTRIBUTE_ACCESS_CAN_WRITE, TRUE);

  etag = etag_from_info (&st);
  g_file_info_set_attribute_string (info, G_FILE_ATTRIBUTE_ETAG_VALUE, etag);
  id = g_strdup_printf ("l%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, st.id.dev, st.id.ino);
  g_file_info_set_attribute_string (info, G_FILE_ATTRIBUTE_ID_FILE, id);

  g_file_info_unset_attribute_mask (info);
  return info;
}

/* The input half ------------------------------------------------------------ */

#define G_TYPE_TEMP_FILE_INPUT_STREAM (g_temp_file_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (GTempFileInputStream, g_temp_file_input_stream,
                      G, TEMP_FILE_INPUT_STREAM, GFileInputStream)

struct _GTempFileInputStream
{
  GFileInputStream  parent_instance;
  OwnerLink         link;
};

#ifdef HAVE_GIO_UNIX
static void g_temp_file_input_stream_fd_based_iface_init (GFileDescriptorBasedIface *iface);
# define INPUT_FD_BASED \
  G_IMPLEMENT_INTERFACE (G_TYPE_FILE_DESCRIPTOR_BASED, g_temp_file_input_stream_fd_based_iface_init)
#else
# define INPUT_FD_BASED
#endif

G_DEFINE_FINAL_TYPE_WITH_CODE (GTempFileInputStream, g_temp_file_input_stream,
                               G_TYPE_FILE_INPUT_STREAM,
                               INPUT_FD_BASED)

/* A plain cast: a vfunc is only called on its own type, and this is the
 * per-call cost of every operation. */
#define INPUT_LINK(object) (&((GTempFileInputStream *) (object))->link)

static gssize
g_temp_file_input_stream_read (GInputStream  *stream,
                               void          *buffer,
                               gsize          count,
                               GCancellable  *cancellable,
                               GError       **error)
{
  OwnerLink *link = INPUT_LINK (stream);
  gssize res = fd_read (owner_begin (link), buffer, count, cancellable, error);

  owner_end (link);
  return res;
}

static gboolean
g_temp_file_input_stream_close (GInputStream  *stream,
                                GCancellable  *cancellable,
                                GError       **error)
{
  return TRUE;
}

static goffset
g_temp_file_input_stream_tell (GFileInputStream *stream)
{
  OwnerLink *link = INPUT_LINK (stream);
  goffset res = fd_tell (owner_begin (link));

  owner_end (link);
  return res;
}

static gboolean
g_temp_file_input_stream_can_seek (GFileInputStream *stream)
{
  return TRUE;
}

static gboolean
g_temp_file_input_stream_seek (GFileInputStream  *stream,
                               goffset            offset,
                               GSeekType          type,
                               GCancellable      *cancellable,
                               GError           **error)
{
  OwnerLink *link = INPUT_LINK (stream);
  gboolean res = fd_seek (owner_begin (link), offset, type, cancellable, error);

  owner_end (link);
  return res;
}

static GFileInfo *
g_temp_file_input_stream_query_info (GFileInputStream  *stream,
                                     const char        *attributes,
                                     GCancellable      *cancellable,
                                     GError           **error)
{
  OwnerLink *link = INPUT_LINK (stream);
  GFileInfo *res = fd_query_info (owner_begin (link), attributes, cancellable, error);

  owner_end (link);
  return res;
}

#ifdef HAVE_GIO_UNIX
static int
g_temp_file_input_stream_get_fd (GFileDescriptorBased *fd_based)
{
  OwnerLink *link = INPUT_LINK (fd_based);
  int res = owner_fd (owner_begin (link));

  owner_end (link);
  return res;
}

static void
g_temp_file_input_stream_fd_based_iface_init (GFileDescriptorBasedIface *iface)
{
  iface->get_fd = g_temp_file_input_stream_get_fd;
}
#endif

static void
g_temp_file_input_stream_class_init (GTempFileInputStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);
  GFileInputStreamClass *file_class = G_FILE_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = g_temp_file_input_stream_read;
  stream_class->close_fn = g_temp_file_input_stream_close;

  file_class->tell = g_temp_file_input_stream_tell;
  file_class->can_seek = g_temp_file_input_stream_can_seek;
  file_class->seek = g_temp_file_input_stream_seek;
  file_class->query_info = g_temp_file_input_stream_query_info;
}

static void
g_temp_file_input_stream_init (GTempFileInputStream *self)
{
}

GInputStream *
_g_temp_file_input_stream_new (GTempFile *owner)
{
  GTempFileInputStream *self = g_object_new (G_TYPE_TEMP_FILE_INPUT_STREAM, NULL);

  _g_tempfile_lock_init (&self->link.lock);
  self->link.owner = owner;
  return G_INPUT_STREAM (self);
}

void
_g_temp_file_input_stream_detach (GInputStream *stream)
{
  owner_clear (INPUT_LINK (stream));
}

/* The output half ----------------------------------------------------------- */

#define G_TYPE_TEMP_FILE_OUTPUT_STREAM (g_temp_file_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (GTempFileOutputStream, g_temp_file_output_stream,
                      G, TEMP_FILE_OUTPUT_STREAM, GFileOutputStream)

struct _GTempFileOutputStream
{
  GFileOutputStream  parent_instance;
  OwnerLink          link;
  char              *etag;    /* recorded when closed */
};

#ifdef HAVE_GIO_UNIX
static void g_temp_file_output_stream_fd_based_iface_init (GFileDescriptorBasedIface *iface);
# define OUTPUT_FD_BASED \
  G_IMPLEMENT_INTERFACE (G_TYPE_FILE_DESCRIPTOR_BASED, g_temp_file_output_stream_fd_based_iface_init)
#else
# define OUTPUT_FD_BASED
#endif

G_DEFINE_FINAL_TYPE_WITH_CODE (GTempFileOutputStream, g_temp_file_output_stream,
                               G_TYPE_FILE_OUTPUT_STREAM,
                               OUTPUT_FD_BASED)

#define OUTPUT_LINK(object) (&((GTempFileOutputStream *) (object))->link)

static gssize
g_temp_file_output_stream_write (GOutputStream  *stream,
                                 const void     *buffer,
                                 gsize           count,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  OwnerLink *link = OUTPUT_LINK (stream);
  gssize res = fd_write (owner_begin (link), buffer, count, cancellable, error);

  owner_end (link);
  return res;
}

static gboolean
g_temp_file_output_stream_close (GOutputStream  *stream,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  GTempFileOutputStream *self = (GTempFileOutputStream *) stream;
  GTempFile *owner = owner_begin (&self->link);
  int fd = owner_fd (owner);
  GTempfileSysFileInfo st;

  /* g_file_output_stream_get_etag() is meant to be called after closing;
   * a file that closing removes has none worth a system call. */
  if (fd >= 0 && _g_temp_file_outlives_close (owner) && _g_tempfile_sys_fstat (fd, &st) == 0)
    {
      g_free (self->etag);
      self->etag = etag_from_info (&st);
    }

  owner_end (&self->link);
  return TRUE;
}

static goffset
g_temp_file_output_stream_tell (GFileOutputStream *stream)
{
  OwnerLink *link = OUTPUT_LINK (stream);
  goffset res = fd_tell (owner_begin (link));

  owner_end (link);
  return res;
}

static gboolean
g_temp_file_output_stream_can_seek (GFileOutputStream *stream)
{
  return TRUE;
}

static gboolean
g_temp_file_output_stream_seek (GFileOutputStream  *stream,
                                goffset             offset,
                                GSeekType           type,
                                GCancellable       *cancellable,
                                GError            **error)
{
  OwnerLink *link = OUTPUT_LINK (stream);
  gboolean res = fd_seek (owner_begin (link), offset, type, cancellable, error);

  owner_end (link);
  return res;
}

static gboolean
g_temp_file_output_stream_can_truncate (GFileOutputStream *stream)
{
  return TRUE;
}

static gboolean
g_temp_file_output_stream_truncate (GFileOutputStream  *stream,
                                    goffset             size,
                                    GCancellable       *cancellable,
                                    GError            **error)
{
  OwnerLink *link = OUTPUT_LINK (stream);
  gboolean res = fd_truncate (owner_begin (link), size, cancellable, error);

  owner_end (link);
  return res;
}

static GFileInfo *
g_temp_file_output_stream_query_info (GFileOutputStream  *stream,
                                      const char         *attributes,
                                      GCancellable       *cancellable,
                                      GError            **error)
{
  OwnerLink *link = OUTPUT_LINK (stream);
  GFileInfo *res = fd_query_info (owner_begin (link), attributes, cancellable, error);

  owner_end (link);
  return res;
}

static char *
g_temp_file_output_stream_get_etag (GFileOutputStream *stream)
{
  return g_strdup (G_TEMP_FILE_OUTPUT_STREAM (stream)->etag);
}

#ifdef HAVE_GIO_UNIX
static int
g_temp_file_output_stream_get_fd (GFileDescriptorBased *fd_based)
{
  OwnerLink *link = OUTPUT_LINK (fd_based);
  int res = owner_fd (owner_begin (link));

  owner_end (link);
  return res;
}

static void
g_temp_file_output_stream_fd_based_iface_init (GFileDescriptorBasedIface *iface)
{
  iface->get_fd = g_temp_file_output_stream_get_fd;
}
#endif

static void
g_temp_file_output_stream_finalize (GObject *object)
{
  g_free (G_TEMP_FILE_OUTPUT_STREAM (object)->etag);

  G_OBJECT_CLASS (g_temp_file_output_stream_parent_class)->finalize (object);
}

static void
g_temp_file_output_stream_class_init (GTempFileOutputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);
  GFileOutputStreamClass *file_class = G_FILE_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = g_temp_file_output_stream_finalize;

  stream_class->write_fn = g_temp_file_output_stream_write;
  stream_class->close_fn = g_temp_file_output_stream_close;

  file_class->tell = g_temp_file_output_stream_tell;
  file_class->can_seek = g_temp_file_output_stream_can_seek;
  file_class->seek = g_temp_file_output_stream_seek;
  file_class->can_truncate = g_temp_file_output_stream_can_truncate;
  file_class->truncate_fn = g_temp_file_output_stream_truncate;
  file_class->query_info = g_temp_file_output_stream_query_info;
  file_class->get_etag = g_temp_file_output_stream_get_etag;
}

static void
g_temp_file_output_stream_init (GTempFileOutputStream *self)
{
}

GOutputStream *
_g_temp_file_output_stream_new (GTempFile *owner)
{
  GTempFileOutputStream *self = g_object_new (G_TYPE_TEMP_FILE_OUTPUT_STREAM, NULL);

  _g_tempfile_lock_init (&self->link.lock);
  self->link.owner = owner;
  return G_OUTPUT_STREAM (self);
}

void
_g_temp_file_output_stream_detach (GOutputStream *stream)
{
  owner_clear (OUTPUT_LINK (stream));
}
