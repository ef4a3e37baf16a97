/* hyperconf — the sync engine of PROTOCOL.md §8.
 *
 * An HcSyncObject is one versioned JSON data object.  The reporter changes
 * it through hc_sync_object_set() and friends, which build the update body
 * that goes on the wire and then apply that very body with
 * hc_sync_object_apply(), so reporter and observer share one code path.
 * An observer feeds the bodies it receives from `<url>/changes` to
 * hc_sync_object_apply() and the subscribe response to
 * hc_sync_object_reset().
 *
 *   update body ──► parse_change() ──► Change ──► apply_change() ──► data
 *                   (syntax only)                 (validate, then mutate)
 *
 * Every apply first checks that the whole change can be done and only then
 * touches the data, so a rejected update leaves the object as it was.
 *
 * json-glib notes that shape this file:
 *  - json_node_copy() is shallow for objects and arrays (the copy shares
 *    the JsonObject / JsonArray), so values entering or leaving the data
 *    tree go through deep_copy(): nobody else ever holds a piece of it.
 *  - JsonArray has no insert or replace, so those rebuild the array and
 *    swap it into the node that holds it.
 */
#define G_LOG_DOMAIN "hc-sync"

#include <hyperconf/hc-sync-object.h>

#include <string.h>

/* A dot path deeper than this is not something a runtime sends; refusing
 * it bounds the work an update can ask for. */
#define MAX_PATH_SEGMENTS 32

/* Updates held before the first reset or across a gap.  Past this the
 * observer is far behind and must re-subscribe anyway. */
#define MAX_HELD_UPDATES 256

/* clang-format off */
G_DEFINE_QUARK (hc-sync-error-quark, hc_sync_error)
/* clang-format on */

/* ---- update bodies -------------------------------------------------- */

typedef enum {
  CHANGE_SET,
  CHANGE_DELETE,
  CHANGE_ARRAY_ADD,
  CHANGE_ARRAY_REMOVE,
} ChangeKind;

/* One parsed update body.  Borrows from the body it was parsed from. */
typedef struct {
  ChangeKind kind;
  const gchar *attribute;
  GStrv segs;
  guint n_segs;
  JsonNode *value; /* NULL for delete and remove */
  guint count;     /* remove only */
} Change;

static void
change_clear (Change *change)
{
  g_clear_pointer (&change->segs, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Change, change_clear)

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_INT64;
}

/* Reads an optional string member: absent gives NULL, any other type is a
 * malformed body. */
static gboolean
get_optional_string (JsonObject *update, const gchar *name, const gchar **out,
                     GError **error)
{
  JsonNode *node = json_object_get_member (update, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!node_is_string (node)) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                 "update member '%s' is not a string", name);
    return FALSE;
  }
  *out = json_node_get_string (node);
  return TRUE;
}

static GStrv
split_path (const gchar *path, guint *n_segs, GError **error)
{
  g_auto (GStrv) segs = NULL;
  guint dots = 0, i;

  for (const gchar *p = path; *p != '\0'; p++) {
    if (*p == '.')
      dots++;
  }
  /* Count before splitting, so a hostile path never allocates much. */
  if (dots >= MAX_PATH_SEGMENTS) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                 "attribute path has more than %d segments", MAX_PATH_SEGMENTS);
    return NULL;
  }

  segs = g_strsplit (path, ".", -1);
  for (i = 0; segs[i] != NULL; i++) {
    if (segs[i][0] == '\0') {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                   "attribute path '%s' has an empty segment", path);
      return NULL;
    }
  }
  /* g_strsplit ("") gives no segment at all */
  if (i == 0) {
    g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                         "attribute path is empty");
    return NULL;
  }

  *n_segs = i;
  return g_steal_pointer (&segs);
}

/* A segment names an array index only in canonical decimal ("0", "17"):
 * "03" or "+3" are object keys to a JavaScript runtime, not indices. */
static gboolean
parse_index (const gchar *seg, guint *index)
{
  guint64 v = 0;

  if (seg[0] == '\0' || (seg[0] == '0' && seg[1] != '\0'))
    return FALSE;
  for (const gchar *p = seg; *p != '\0'; p++) {
    if (!g_ascii_isdigit (*p))
      return FALSE;
    v = v * 10 + (guint64)(*p - '0');
    if (v > G_MAXINT)
      return FALSE;
  }
  *index = (guint)v;
  return TRUE;
}

/* Checks the body's syntax and fills @change.  Nothing here looks at the
 * data, so an update held before a reset is known to be well formed. */
static gboolean
parse_change (JsonObject *update, Change *change, GError **error)
{
  const gchar *attribute, *attribute_type, *operation;
  JsonNode *node;
  gboolean is_array;

  node = json_object_get_member (update, "attribute");
  if (node == NULL || !node_is_string (node)) {
    g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                         "update has no string 'attribute'");
    return FALSE;
  }
  attribute = json_node_get_string (node);

  if (!get_optional_string (update, "attributeType", &attribute_type, error)
      || !get_optional_string (update, "operation", &operation, error))
    return FALSE;

  if (attribute_type != NULL && strcmp (attribute_type, "array") != 0
      && strcmp (attribute_type, "object") != 0) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                 "unknown attributeType '%s'", attribute_type);
    return FALSE;
  }
  if (operation != NULL && strcmp (operation, "add") != 0
      && strcmp (operation, "remove") != 0) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                 "unknown operation '%s'", operation);
    return FALSE;
  }

  change->segs = split_path (attribute, &change->n_segs, error);
  if (change->segs == NULL)
    return FALSE;
  change->attribute = attribute;
  change->value = json_object_get_member (update, "value");

  /* The runtime's observer only looks at `operation` for arrays; for an
   * object change (and an array element replaced in place, which the
   * runtime sends as attributeType "array" without an operation) the body
   * is a plain set or delete. */
  is_array = attribute_type != NULL && strcmp (attribute_type, "array") == 0;
  if (!is_array || operation == NULL) {
    change->kind = change->value != NULL ? CHANGE_SET : CHANGE_DELETE;
    return TRUE;
  }

  if (strcmp (operation, "add") == 0) {
    if (change->value == NULL) {
      g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                           "array add without a value");
      return FALSE;
    }
    change->kind = CHANGE_ARRAY_ADD;
    return TRUE;
  }

  change->kind = CHANGE_ARRAY_REMOVE;
  /* The runtime removes one element without saying how many (§8). */
  if (change->value == NULL) {
    change->count = 1;
    return TRUE;
  }
  if (!node_is_integer (change->value) || json_node_get_int (change->value) < 1
      || json_node_get_int (change->value) > G_MAXINT) {
    g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                         "array remove needs a count: an integer >= 1");
    return FALSE;
  }
  change->count = (guint)json_node_get_int (change->value);
  change->value = NULL;
  return TRUE;
}

/* ---- the data tree -------------------------------------------------- */

static JsonNode *deep_copy (JsonNode *node);

static JsonObject *
deep_copy_object (JsonObject *src)
{
  JsonObject *dst = json_object_new ();
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;

  if (src == NULL)
    return dst;
  /* ordered, so a copy serializes exactly like its source */
  json_object_iter_init_ordered (&iter, src);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    json_object_set_member (dst, name, deep_copy (member));
  return dst;
}

static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      copy = json_node_alloc ();
      json_node_init_object (copy, NULL);
      json_node_take_object (copy,
                             deep_copy_object (json_node_get_object (node)));
      return copy;
    case JSON_NODE_ARRAY: {
      JsonArray *src = json_node_get_array (node);
      guint len = src != NULL ? json_array_get_length (src) : 0;
      JsonArray *dst = json_array_sized_new (len);

      for (guint i = 0; i < len; i++)
        json_array_add_element (dst,
                                deep_copy (json_array_get_element (src, i)));
      copy = json_node_alloc ();
      json_node_init_array (copy, NULL);
      json_node_take_array (copy, dst);
      return copy;
    }
    case JSON_NODE_VALUE:
      /* a value node owns an immutable JsonValue: the shallow copy is
       * already a full one */
      return json_node_copy (node);
    case JSON_NODE_NULL:
    default:
      return json_node_init_null (json_node_alloc ());
  }
}

static JsonNode *
wrap_object (JsonObject *object)
{
  return json_node_init_object (json_node_alloc (), object);
}

/* Walks @n segments down from @root.  Every node walked through must be an
 * object or an array; an array segment must be an index in range.  With
 * @create, a member missing from an object becomes a new empty object (the
 * runtime creates intermediate objects the same way).  Creation can only
 * give more objects below, which accept any key, so once it starts nothing
 * after it can fail: callers never see a half-applied change. */
static JsonNode *
resolve (JsonNode *root, gchar **segs, guint n, gboolean create, GError **error)
{
  JsonNode *cur = root;

  for (guint i = 0; i < n; i++) {
    const gchar *seg = segs[i];
    JsonNode *next = NULL;

    if (JSON_NODE_HOLDS_OBJECT (cur)) {
      JsonObject *obj = json_node_get_object (cur);

      next = json_object_get_member (obj, seg);
      if (next == NULL && create) {
        next = json_node_init_object (json_node_alloc (), NULL);
        json_node_take_object (next, json_object_new ());
        json_object_set_member (obj, seg, next);
      }
    } else if (JSON_NODE_HOLDS_ARRAY (cur)) {
      JsonArray *arr = json_node_get_array (cur);
      guint index;

      if (parse_index (seg, &index) && index < json_array_get_length (arr))
        next = json_array_get_element (arr, index);
    } else {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                   "'%s' is inside a value that is neither object nor array",
                   seg);
      return NULL;
    }

    if (next == NULL) {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                   "path segment '%s' does not resolve", seg);
      return NULL;
    }
    cur = next;
  }
  return cur;
}

/* Replaces the array held by @array_node with a copy in which @n_remove
 * elements at @index are dropped and @values (deep-copied) are put in
 * their place.  The kept elements are moved by reference, not copied. */
static void
splice_array (JsonNode *array_node, guint index, guint n_remove,
              JsonNode **values, guint n_values)
{
  JsonArray *old = json_node_get_array (array_node);
  guint len = json_array_get_length (old);
  JsonArray *arr = json_array_sized_new (len - n_remove + n_values);

  for (guint i = 0; i < index; i++)
    json_array_add_element (arr,
                            json_node_ref (json_array_get_element (old, i)));
  for (guint i = 0; i < n_values; i++)
    json_array_add_element (arr, deep_copy (values[i]));
  for (guint i = index + n_remove; i < len; i++)
    json_array_add_element (arr,
                            json_node_ref (json_array_get_element (old, i)));
  json_node_take_array (array_node, arr);
}

static gboolean
apply_set (JsonNode *root, const Change *change, GError **error)
{
  const gchar *last = change->segs[change->n_segs - 1];
  JsonNode *parent;

  parent = resolve (root, change->segs, change->n_segs - 1, TRUE, error);
  if (parent == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_OBJECT (parent)) {
    json_object_set_member (json_node_get_object (parent), last,
                            deep_copy (change->value));
    return TRUE;
  }

  if (JSON_NODE_HOLDS_ARRAY (parent)) {
    JsonNode *value = change->value;
    guint len = json_array_get_length (json_node_get_array (parent));
    guint index;

    /* An element replaced in place (the runtime's array "update"), or one
     * set just past the end as JavaScript allows; never leave holes. */
    if (!parse_index (last, &index) || index > len) {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                   "'%s' is not an index of an array of %u elements", last,
                   len);
      return FALSE;
    }
    splice_array (parent, index, index < len ? 1 : 0, &value, 1);
    return TRUE;
  }

  g_set_error (
      error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
      "cannot set '%s' inside a value that is neither object nor array",
      change->attribute);
  return FALSE;
}

static gboolean
apply_delete (JsonNode *root, const Change *change, GError **error)
{
  const gchar *last = change->segs[change->n_segs - 1];
  JsonNode *parent;

  parent = resolve (root, change->segs, change->n_segs - 1, FALSE, error);
  if (parent == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_OBJECT (parent)) {
    JsonObject *obj = json_node_get_object (parent);

    /* Deleting a missing member is a no-op, as JavaScript's `delete` is:
     * failing would make the observer drop every later update. */
    if (json_object_has_member (obj, last))
      json_object_remove_member (obj, last);
    return TRUE;
  }

  /* Arrays change through array operations: deleting an element would
   * either shift the others or leave a hole, and the runtime does
   * neither. */
  g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
               "cannot delete '%s': its parent is not an object",
               change->attribute);
  return FALSE;
}

static gboolean
apply_array_add (JsonNode *root, const Change *change, GError **error)
{
  const gchar *last = change->segs[change->n_segs - 1];
  JsonNode *parent, *target, *value = change->value;
  g_autofree JsonNode **several = NULL;
  JsonNode **values = &value;
  guint n_values = 1, index;

  /* A JSON array value is several elements (the runtime splices in
   * `[index, 0].concat (value)`). */
  if (JSON_NODE_HOLDS_ARRAY (value)) {
    JsonArray *elems = json_node_get_array (value);

    n_values = elems != NULL ? json_array_get_length (elems) : 0;
    /* on the heap: the count comes from the wire */
    values = several = g_new (JsonNode *, n_values + 1);
    for (guint i = 0; i < n_values; i++)
      values[i] = json_array_get_element (elems, i);
  }

  /* The runtime's form first: "<array path>.<index>".  It wins over the
   * append form even when the element at <index> is itself an array. */
  parent = resolve (root, change->segs, change->n_segs - 1, FALSE, NULL);
  if (parent != NULL && JSON_NODE_HOLDS_ARRAY (parent)
      && parse_index (last, &index)) {
    guint len = json_array_get_length (json_node_get_array (parent));

    if (index > len) {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                   "cannot add at %u to an array of %u elements", index, len);
      return FALSE;
    }
    splice_array (parent, index, 0, values, n_values);
    return TRUE;
  }

  /* An add that names the array itself appends. */
  target = resolve (root, change->segs, change->n_segs, FALSE, NULL);
  if (target != NULL && JSON_NODE_HOLDS_ARRAY (target)) {
    guint len = json_array_get_length (json_node_get_array (target));

    splice_array (target, len, 0, values, n_values);
    return TRUE;
  }

  g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
               "'%s' names neither an array nor an index in one",
               change->attribute);
  return FALSE;
}

static gboolean
apply_array_remove (JsonNode *root, const Change *change, GError **error)
{
  const gchar *last = change->segs[change->n_segs - 1];
  JsonNode *parent;
  JsonArray *arr;
  guint index, len;

  parent = resolve (root, change->segs, change->n_segs - 1, FALSE, error);
  if (parent == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (parent) || !parse_index (last, &index)) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                 "'%s' is not an index in an array", change->attribute);
    return FALSE;
  }

  arr = json_node_get_array (parent);
  len = json_array_get_length (arr);
  /* written so that index + count cannot overflow */
  if (index >= len || change->count > len - index) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                 "cannot remove %u from %u in an array of %u elements",
                 change->count, index, len);
    return FALSE;
  }
  for (guint i = 0; i < change->count; i++)
    json_array_remove_element (arr, index);
  return TRUE;
}

static gboolean
apply_change (JsonObject *data, const Change *change, GError **error)
{
  g_autoptr (JsonNode) root = wrap_object (data);

  switch (change->kind) {
    case CHANGE_SET:
      return apply_set (root, change, error);
    case CHANGE_DELETE:
      return apply_delete (root, change, error);
    case CHANGE_ARRAY_ADD:
      return apply_array_add (root, change, error);
    case CHANGE_ARRAY_REMOVE:
      return apply_array_remove (root, change, error);
    default:
      g_assert_not_reached ();
  }
}

gboolean
hc_sync_apply_change (JsonObject *data, JsonObject *update, GError **error)
{
  g_auto (Change) change = { 0 };

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (update != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!parse_change (update, &change, error))
    return FALSE;
  return apply_change (data, &change, error);
}

/* ---- HcSyncObject --------------------------------------------------- */

typedef struct {
  gint64 version;
  JsonObject *update; /* a deep copy, owned */
} HeldUpdate;

static void
held_update_free (HeldUpdate *held)
{
  json_object_unref (held->update);
  g_free (held);
}

struct _HcSyncObject {
  GObject parent_instance;

  gchar *url;
  JsonObject *data;
  gint64 version;
  /* FALSE for an observer until its first reset */
  gboolean synced;
  /* HeldUpdate, in arrival order */
  GQueue held;
};

G_DEFINE_FINAL_TYPE (HcSyncObject, hc_sync_object, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
hc_sync_object_finalize (GObject *object)
{
  HcSyncObject *self = HC_SYNC_OBJECT (object);

  g_queue_clear_full (&self->held, (GDestroyNotify)held_update_free);
  g_clear_pointer (&self->data, json_object_unref);
  g_clear_pointer (&self->url, g_free);

  G_OBJECT_CLASS (hc_sync_object_parent_class)->finalize (object);
}

static void
hc_sync_object_class_init (HcSyncObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hc_sync_object_finalize;

  /**
   * HcSyncObject::changed:
   * @attribute: (nullable): the dot path the applied update named, or
   *   %NULL after a reset replaced the whole object
   */
  signals[SIGNAL_CHANGED]
      = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hc_sync_object_init (HcSyncObject *self)
{
  g_queue_init (&self->held);
  self->data = json_object_new ();
}

HcSyncObject *
hc_sync_object_new (const gchar *url, JsonObject *data)
{
  HcSyncObject *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (HC_TYPE_SYNC_OBJECT, NULL);
  self->url = g_strdup (url);
  if (data != NULL) {
    json_object_unref (self->data);
    self->data = deep_copy_object (data);
  }
  /* the reporter's copy is the reference: it is synced from birth */
  self->synced = TRUE;
  return self;
}

HcSyncObject *
hc_sync_object_new_observed (const gchar *url)
{
  HcSyncObject *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (HC_TYPE_SYNC_OBJECT, NULL);
  self->url = g_strdup (url);
  return self;
}

const gchar *
hc_sync_object_get_url (HcSyncObject *self)
{
  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);
  return self->url;
}

gint64
hc_sync_object_get_version (HcSyncObject *self)
{
  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), 0);
  return self->version;
}

JsonObject *
hc_sync_object_get_data (HcSyncObject *self)
{
  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);
  return self->data;
}

gboolean
hc_sync_object_is_synced (HcSyncObject *self)
{
  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), FALSE);
  return self->synced;
}

JsonNode *
hc_sync_object_lookup (HcSyncObject *self, const gchar *path)
{
  g_autoptr (JsonNode) root = NULL;
  g_auto (GStrv) segs = NULL;
  guint n_segs;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);

  if (path == NULL)
    return NULL;
  segs = split_path (path, &n_segs, NULL);
  if (segs == NULL)
    return NULL;
  root = wrap_object (self->data);
  /* the node found lives in self->data, not in the temporary root */
  return resolve (root, segs, n_segs, FALSE, NULL);
}

static gboolean
read_version (JsonObject *update, gint64 *version, GError **error)
{
  JsonNode *node = json_object_get_member (update, "version");

  if (node == NULL || !node_is_integer (node)) {
    g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                         "update has no integer 'version'");
    return FALSE;
  }
  *version = json_node_get_int (node);
  return TRUE;
}

static void
hold_update (HcSyncObject *self, JsonObject *update, gint64 version)
{
  HeldUpdate *held;

  /* the same version again is the same update, sent twice */
  for (GList *l = self->held.head; l != NULL; l = l->next) {
    if (((HeldUpdate *)l->data)->version == version)
      return;
  }

  if (self->held.length >= MAX_HELD_UPDATES) {
    g_debug ("%s: held queue full, dropping the oldest update", self->url);
    held_update_free (g_queue_pop_head (&self->held));
  }

  held = g_new0 (HeldUpdate, 1);
  held->version = version;
  held->update = deep_copy_object (update);
  g_queue_push_tail (&self->held, held);
  g_debug ("%s: holding update %" G_GINT64_FORMAT " (%u held)", self->url,
           version, self->held.length);
}

/* Applies one parsed update that is known to be version + 1. */
static gboolean
apply_next (HcSyncObject *self, const Change *change, gint64 version,
            GError **error)
{
  g_autofree gchar *attribute = NULL;

  if (!apply_change (self->data, change, error)) {
    g_debug ("%s: update %" G_GINT64_FORMAT " not applied", self->url, version);
    return FALSE;
  }
  self->version = version;
  g_debug ("%s: applied update %" G_GINT64_FORMAT " to '%s'", self->url,
           version, change->attribute);

  /* a handler may drop the body the attribute lives in */
  attribute = g_strdup (change->attribute);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, attribute);
  return TRUE;
}

/* Drops the held updates the object already has and applies the ones that
 * follow on from its version, in version order.  One that fails is dropped:
 * it can never apply to this data.  Neither that nor a missing version
 * needs handling here: the version stays behind the reporter's, so the
 * next update reports HC_SYNC_ERROR_GAP and the observer re-subscribes. */
static void
drain_held (HcSyncObject *self)
{
  for (;;) {
    GList *next = NULL, *l = self->held.head;
    g_autoptr (GError) error = NULL;
    HeldUpdate *held;
    gboolean ok;

    while (l != NULL) {
      GList *following = l->next;
      HeldUpdate *h = l->data;

      if (h->version <= self->version) {
        held_update_free (h);
        g_queue_delete_link (&self->held, l);
      } else if (next == NULL && h->version - self->version == 1) {
        next = l;
      }
      l = following;
    }
    if (next == NULL) {
      if (!g_queue_is_empty (&self->held))
        g_debug (
            "%s: %u updates held beyond a gap after version %" G_GINT64_FORMAT,
            self->url, self->held.length, self->version);
      return;
    }

    held = next->data;
    g_queue_delete_link (&self->held, next);
    {
      g_auto (Change) change = { 0 };

      /* re-parsed rather than stored: the Change borrows from the body */
      ok = parse_change (held->update, &change, &error)
           && apply_next (self, &change, held->version, &error);
    }
    if (!ok)
      g_debug ("%s: dropping held update %" G_GINT64_FORMAT ": %s", self->url,
               held->version, error->message);
    held_update_free (held);
    if (!ok)
      return;
  }
}

/* Returns FALSE only when the snapshot itself is refused, leaving the
 * object as it was.  Once taken, the snapshot is the object: held updates
 * that cannot follow on from it are left to the next update's gap. */
gboolean
hc_sync_object_reset (HcSyncObject *self, JsonObject *data, gint64 version,
                      GError **error)
{
  g_autoptr (HcSyncObject) keep = NULL;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (version < 0) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                 "snapshot version %" G_GINT64_FORMAT " is negative", version);
    return FALSE;
  }

  keep = g_object_ref (self);
  json_object_unref (self->data);
  self->data = data != NULL ? deep_copy_object (data) : json_object_new ();
  self->version = version;
  self->synced = TRUE;
  g_debug ("%s: reset to version %" G_GINT64_FORMAT ", %u held", self->url,
           version, self->held.length);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, NULL);

  drain_held (self);
  return TRUE;
}

gboolean
hc_sync_object_apply (HcSyncObject *self, JsonObject *update, GError **error)
{
  g_autoptr (HcSyncObject) keep = NULL;
  g_auto (Change) change = { 0 };
  gint64 version;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), FALSE);
  g_return_val_if_fail (update != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Syntax first, whatever the version: a malformed body is never held. */
  if (!read_version (update, &version, error)
      || !parse_change (update, &change, error))
    return FALSE;

  if (!self->synced) {
    hold_update (self, update, version);
    return TRUE;
  }
  if (version <= self->version) {
    g_debug ("%s: ignoring update %" G_GINT64_FORMAT
             " at version %" G_GINT64_FORMAT,
             self->url, version, self->version);
    return TRUE;
  }
  /* self->version >= 0 here, so the subtraction cannot overflow */
  if (version - self->version > 1) {
    hold_update (self, update, version);
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP,
                 "update %" G_GINT64_FORMAT " after version %" G_GINT64_FORMAT,
                 version, self->version);
    return FALSE;
  }

  keep = g_object_ref (self);
  if (!apply_next (self, &change, version, error))
    return FALSE;
  /* updates held across a gap may follow on now */
  drain_held (self);
  return TRUE;
}

/* ---- reporter side -------------------------------------------------- */

static JsonObject *
new_body (HcSyncObject *self, const gchar *attribute, GError **error)
{
  JsonObject *body;

  /* an observer's copy only follows its reporter */
  if (!self->synced) {
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                 "%s is not synced: an observer cannot report", self->url);
    return NULL;
  }
  if (self->version == G_MAXINT64) {
    g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE,
                         "version space exhausted");
    return NULL;
  }
  body = json_object_new ();
  json_object_set_int_member (body, "version", self->version + 1);
  json_object_set_string_member (body, "attribute", attribute);
  return body;
}

/* Applies a body built by the reporter through the observer's own path, so
 * the reporter can never send what an observer would reject. */
static JsonObject *
report (HcSyncObject *self, JsonObject *body, GError **error)
{
  g_autoptr (JsonObject) owned = body;

  if (!hc_sync_object_apply (self, owned, error))
    return NULL;
  return g_steal_pointer (&owned);
}

/**
 * hc_sync_object_set:
 * @value: (transfer none) (nullable): copied; %NULL sets JSON null
 */
JsonObject *
hc_sync_object_set (HcSyncObject *self, const gchar *path, JsonNode *value,
                    GError **error)
{
  JsonObject *body;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!(body = new_body (self, path, error)))
    return NULL;
  json_object_set_member (body, "value",
                          value != NULL ? deep_copy (value)
                                        : json_node_new (JSON_NODE_NULL));
  return report (self, body, error);
}

JsonObject *
hc_sync_object_remove (HcSyncObject *self, const gchar *path, GError **error)
{
  JsonObject *body;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  /* no `value` key: §8's delete */
  if (!(body = new_body (self, path, error)))
    return NULL;
  return report (self, body, error);
}

JsonObject *
hc_sync_object_array_add (HcSyncObject *self, const gchar *array_path,
                          gint index, JsonNode *value, GError **error)
{
  g_autofree gchar *attribute = NULL;
  JsonObject *body;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);
  g_return_val_if_fail (array_path != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  /* §8: senders MUST name the index, so an append names the length */
  if (index < 0) {
    JsonNode *arr = hc_sync_object_lookup (self, array_path);

    if (index != -1 || arr == NULL || !JSON_NODE_HOLDS_ARRAY (arr)) {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH,
                   "'%s' is not an array (or index %d is invalid)", array_path,
                   index);
      return NULL;
    }
    index = (gint)json_array_get_length (json_node_get_array (arr));
  }

  attribute = g_strdup_printf ("%s.%d", array_path, index);
  if (!(body = new_body (self, attribute, error)))
    return NULL;
  json_object_set_string_member (body, "attributeType", "array");
  json_object_set_string_member (body, "operation", "add");
  json_object_set_member (body, "value", deep_copy (value));
  return report (self, body, error);
}

JsonObject *
hc_sync_object_array_remove (HcSyncObject *self, const gchar *array_path,
                             guint index, guint count, GError **error)
{
  g_autofree gchar *attribute = NULL;
  JsonObject *body;

  g_return_val_if_fail (HC_IS_SYNC_OBJECT (self), NULL);
  g_return_val_if_fail (array_path != NULL, NULL);

  attribute = g_strdup_printf ("%s.%u", array_path, index);
  if (!(body = new_body (self, attribute, error)))
    return NULL;
  json_object_set_string_member (body, "attributeType", "array");
  json_object_set_string_member (body, "operation", "remove");
  json_object_set_int_member (body, "value", count);
  return report (self, body, error);
}
