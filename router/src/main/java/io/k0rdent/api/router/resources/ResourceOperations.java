package io.k0rdent.api.router.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.ResourceStore;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.PageTokens;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The conventions every resource's handlers share (ARCHITECTURE.md §1), written once: 201 with
 * {@code Location} and {@code ETag} on create, {@code ETag} on reads, {@code If-Match} on PATCH and DELETE
 * (412 on mismatch; without it a PATCH retries its read-modify-write on concurrent changes), and keyset
 * pages with signed {@code pageToken}s bound to the list's filters.
 *
 * @param <T> the resource record
 */
public final class ResourceOperations<T extends Resource> {

  /** Page size when {@code pageSize} is absent. */
  public static final int DEFAULT_PAGE_SIZE = 50;
  /** Largest {@code pageSize}; more is a 400. */
  public static final int MAX_PAGE_SIZE = 500;
  private static final int MAX_PATCH_ATTEMPTS = 25;

  private final String kind;
  private final String collectionPath;
  private final String listField;
  private final ResourceStore<T> store;
  private final PageTokens pageTokens;
  private final Function<T, JsonObject> toJson;

  /**
   * @param kind           singular noun for messages ("organization")
   * @param collectionPath e.g. {@code /v1/regions/global/organizations}; {@code selfLink} is it plus {@code /id}
   * @param listField      the list body's array field ("organizations")
   */
  public ResourceOperations(String kind, String collectionPath, String listField, ResourceStore<T> store,
                            PageTokens pageTokens, Function<T, JsonObject> fields) {
    this.kind = kind;
    this.collectionPath = collectionPath;
    this.listField = listField;
    this.store = store;
    this.pageTokens = pageTokens;
    this.toJson = rendering(collectionPath, fields);
  }

  /**
   * How a resource of {@code collectionPath} looks in the API (and in its change events): {@code selfLink},
   * {@code uid}, {@code id}, the kind's {@code fields}, {@code createdAt}, {@code updatedAt}, {@code etag}.
   */
  public static <T extends Resource> Function<T, JsonObject> rendering(String collectionPath,
                                                                      Function<T, JsonObject> fields) {
    return r -> {
      JsonObject o = new JsonObject().put("selfLink", collectionPath + "/" + r.id()).put("uid", r.uid().toString())
          .put("id", r.id());
      o.mergeIn(fields.apply(r));
      o.put("createdAt", DateTimeFormatter.ISO_INSTANT.format(r.createdAt()));
      o.put("updatedAt", DateTimeFormatter.ISO_INSTANT.format(r.updatedAt()));
      o.put("etag", r.etag());
      return o;
    };
  }

  /** The resource's path: the collection path plus {@code /id}. */
  public String selfLink(T r) {
    return collectionPath + "/" + r.id();
  }

  /** The resource as the API shows it. */
  public JsonObject json(T r) {
    return toJson.apply(r);
  }

  private Reply withEtag(int status, T r) {
    return new Reply(status, json(r), Map.of("ETag", r.etag()));
  }

  /** createX: stores {@code resource}; 201 with {@code Location}. */
  public Future<Reply> create(T resource) {
    return store.create(resource).map(r -> withEtag(201, r).withHeader("Location", selfLink(r)));
  }

  /** getX: 200 with {@code ETag}; 412 when an {@code If-Match} names another version (RFC 9110 §13.1.1). */
  public Future<Reply> get(Call call) {
    List<String> ifMatch = ifMatch(call);
    return store.get(call.pathId(kind)).map(r -> {
      checkIfMatch(ifMatch, r);
      return withEtag(200, r);
    });
  }

  /**
   * The resource of the path after {@code guard} accepted it (guard throws 404/403 through
   * {@link Call#requireVisible}); a missing resource is the same 404.
   */
  public Future<T> guarded(Call call, java.util.function.Consumer<T> guard) {
    return store.get(call.pathId(kind)).map(r -> {
      guard.accept(r);
      return r;
    });
  }

  /** getX of resource {@code id} (for paths that do not name it); 404 when absent. */
  public Future<Reply> get(Call call, String id) {
    List<String> ifMatch = ifMatch(call);
    return store.get(id).map(r -> {
      checkIfMatch(ifMatch, r);
      return withEtag(200, r);
    });
  }

  /** getX behind {@code guard}. */
  public Future<Reply> get(Call call, java.util.function.Consumer<T> guard) {
    List<String> ifMatch = ifMatch(call);
    return guarded(call, guard).map(r -> {
      checkIfMatch(ifMatch, r);
      return withEtag(200, r);
    });
  }


  /**
   * updateX: applies {@code patch} (current → updated, already version+1; or {@code current} itself when
   * nothing changes, which then answers without a write). With {@code If-Match} the change is made only on
   * that version (else 412); without, concurrent changes are retried with a short random back-off, and a
   * change that keeps losing answers 409 {@code ABORTED} (never 412: the client set no precondition).
   */
  public Future<Reply> update(Call call, Function<T, T> patch) {
    return update(call, call.pathId(kind), patch);
  }

  /** updateX of resource {@code id} (for paths that do not name it, such as a caller's own profile). */
  public Future<Reply> update(Call call, String id, Function<T, T> patch) {
    List<String> ifMatch = ifMatch(call);
    return compareAndSet(call.ctx().vertx(), kind, id, ifMatch, () -> store.get(id), patch, store::update)
        .map(r -> withEtag(200, r));
  }

  /**
   * The read-modify-write of every update: {@code load}, check {@code If-Match}, apply {@code patch} (returning
   * the same object means no change, answered without a write), {@code save} (a compare-and-set that fails 412
   * when another change came first). With {@code If-Match} a lost race is the client's 412; without, it is
   * retried after a short random back-off, and {@code kind} {@code id} that keeps losing answers 409
   * {@code ABORTED}.
   */
  public static <R extends Resource> Future<R> compareAndSet(Vertx vertx, String kind, String id, List<String> ifMatch,
                                                            java.util.function.Supplier<Future<R>> load,
                                                            Function<R, R> patch, Function<R, Future<R>> save) {
    return casAttempt(vertx, kind, id, ifMatch, load, patch, save, 1);
  }

  private static <R extends Resource> Future<R> casAttempt(Vertx vertx, String kind, String id, List<String> ifMatch,
                                                          java.util.function.Supplier<Future<R>> load,
                                                          Function<R, R> patch, Function<R, Future<R>> save,
                                                          int attempt) {
    return load.get().compose(current -> {
      checkIfMatch(ifMatch, current);
      R updated = patch.apply(current);
      return updated == current ? Future.succeededFuture(current) : save.apply(updated);
    }).recover(err -> {
      if (ifMatch == null && err instanceof ApiException a && a.status() == 412) {
        if (attempt >= MAX_PATCH_ATTEMPTS) {
          return Future.failedFuture(ApiException.conflict("ABORTED", kind + " '" + id
              + "' is being changed by too many requests at once; retry"));
        }
        long delayMs = 1 + ThreadLocalRandom.current().nextLong(2L * attempt);
        return vertx.timer(delayMs, TimeUnit.MILLISECONDS)
            .compose(t -> casAttempt(vertx, kind, id, null, load, patch, save, attempt + 1));
      }
      return Future.failedFuture(err);
    });
  }

  /** deleteX: 204; with {@code If-Match} only while the resource is at that version. */
  public Future<Reply> delete(Call call) {
    String id = call.pathId(kind);
    List<String> ifMatch = ifMatch(call);
    Future<Void> done = ifMatch == null
        ? store.delete(id, null)
        : store.get(id).compose(current -> {
          checkIfMatch(ifMatch, current);
          return store.delete(id, current.version());
        });
    return done.map(v -> Reply.noContent());
  }

  /**
   * listX: one page. {@code filters} are exact-match store filters (null values are dropped); the page
   * token is bound to them, so a token from one filter is refused under another.
   */
  public Future<Reply> list(Call call, Map<String, String> filters) {
    return list(call, filters, null);
  }

  /**
   * listX showing only the items {@code keep} accepts (null: all): a caller who may not list a whole
   * collection sees the items it may read. A page may then hold fewer than {@code pageSize} items; its
   * {@code nextPageToken} still continues after the last item scanned.
   */
  public Future<Reply> list(Call call, Map<String, String> filters, java.util.function.Predicate<T> keep) {
    Map<String, String> f = new TreeMap<>();
    filters.forEach((k, v) -> {
      if (v != null) {
        f.put(k, v);
      }
    });
    return page(call, pageTokens, listField + "?" + f, listField, (after, size) -> store.list(new ListQuery(f, after, size)),
        items -> {
          JsonArray out = new JsonArray();
          items.forEach(r -> {
            if (keep == null || keep.test(r)) {
              out.add(json(r));
            }
          });
          return Future.succeededFuture(out);
        });
  }

  /**
   * One page of any list: reads {@code pageSize} (400 when not 1..{@value #MAX_PAGE_SIZE}) and {@code pageToken}
   * (400 unless one of ours, issued under the same {@code scope}: the list and its filters), loads the page
   * after the token's cursor, renders its items, and answers {@code {listField: [...], "nextPageToken"}}
   * (absent on the last page).
   */
  public static <R> Future<Reply> page(Call call, PageTokens pageTokens, String scope, String listField,
                                       java.util.function.BiFunction<PageCursor, Integer, Future<io.k0rdent.api.core.store.Page<R>>> load,
                                       Function<List<R>, Future<JsonArray>> render) {
    int size = pageSize(call.query("pageSize"));
    String token = call.query("pageToken");
    PageCursor after = token == null || token.isEmpty() ? null : pageTokens.decode(token, scope);
    return load.apply(after, size).compose(page -> render.apply(page.items()).map(items -> {
      JsonObject body = new JsonObject().put(listField, items);
      if (page.next() != null) {
        body.put("nextPageToken", pageTokens.encode(page.next(), scope));
      }
      return Reply.ok(body);
    }));
  }

  /**
   * listX for a collection the caller may not know of: the answer a list whose filters match nothing
   * gives (its arguments checked alike: {@code pageSize}, a {@code pageToken} bound to these filters),
   * without reading the store, so that neither the items nor their number show through page tokens.
   */
  public Future<Reply> emptyList(Call call, Map<String, String> filters) {
    Map<String, String> f = new TreeMap<>();
    filters.forEach((k, v) -> {
      if (v != null) {
        f.put(k, v);
      }
    });
    pageSize(call.query("pageSize"));
    String token = call.query("pageToken");
    if (token != null && !token.isEmpty()) {
      pageTokens.decode(token, listField + "?" + f);
    }
    return Future.succeededFuture(Reply.ok(new JsonObject().put(listField, new JsonArray())));
  }

  static int pageSize(String raw) {
    if (raw == null) {
      return DEFAULT_PAGE_SIZE;
    }
    int n;
    try {
      n = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw ApiException.invalidField("pageSize", "pageSize must be an integer from 1 to " + MAX_PAGE_SIZE);
    }
    if (n < 1 || n > MAX_PAGE_SIZE) {
      throw ApiException.invalidField("pageSize", "pageSize must be an integer from 1 to " + MAX_PAGE_SIZE);
    }
    return n;
  }

  /**
   * The entity tags of every {@code If-Match} header line, as one list (RFC 9110 §5.3), or null when there
   * is none. Fails 400 when the field is empty or malformed, or when {@code *} is not alone.
   */
  static List<String> ifMatch(Call call) {
    List<String> lines = call.ctx().request().headers().getAll("If-Match");
    if (lines.isEmpty()) {
      return null;
    }
    List<String> tags = new ArrayList<>();
    boolean valid = true;
    for (String line : lines) {
      java.util.regex.Matcher m = LIST_ITEM.matcher(line);
      int at = 0;
      while (at < line.length() && m.find(at) && m.start() == at && m.end() > at) {
        if (m.group(1) != null) {
          tags.add(m.group(1));
        }
        at = m.end();
      }
      valid &= at == line.length();
    }
    if (!valid || tags.isEmpty() || (tags.contains("*") && tags.size() > 1)) {
      throw ApiException.invalidField("If-Match", "If-Match must be * or a list of entity tags such as \"1-ab12cd34\"");
    }
    return tags;
  }

  /** One element of an {@code If-Match} list (RFC 9110 §5.6.1, §8.8.3): a tag or {@code *}, or separators. */
  private static final java.util.regex.Pattern LIST_ITEM =
      java.util.regex.Pattern.compile("[ \\t]*(\\*|(?:W/)?\"[\\x21\\x23-\\x7e\\x80-\\xff]*\")?[ \\t]*,?");

  /**
   * Checks {@code If-Match} (RFC 9110 §13.1.1, strong comparison): absent or {@code *} passes; otherwise
   * one of the listed tags must equal the current {@code ETag} (a weak tag never does), else 412.
   */
  static void checkIfMatch(List<String> ifMatch, Resource current) {
    if (ifMatch == null || ifMatch.contains("*") || ifMatch.contains(current.etag())) {
      return;
    }
    throw ApiException.preconditionFailed("If-Match " + String.join(", ", ifMatch)
        + " does not match the current ETag " + current.etag());
  }

  /** Adds {@code displayName} and {@code description} to {@code json} when set (absent fields stay absent). */
  public static JsonObject names(JsonObject json, String displayName, String description) {
    if (displayName != null) {
      json.put("displayName", displayName);
    }
    if (description != null) {
      json.put("description", description);
    }
    return json;
  }

  /**
   * The resource after an RFC 7396 merge of {@code displayName} and {@code description}, or {@code current}
   * itself when neither changes; {@code rebuild} makes the changed record (version+1, {@code updatedAt}).
   */
  public static <R> R mergeNames(JsonNode patch, R current, String displayName, String description,
                                 java.util.function.BiFunction<String, String, R> rebuild) {
    String d = merge(patch, "displayName", displayName);
    String text = merge(patch, "description", description);
    return java.util.Objects.equals(d, displayName) && java.util.Objects.equals(text, description)
        ? current : rebuild.apply(d, text);
  }

  /**
   * RFC 7396 merge of one optional text field: absent keeps {@code current}, JSON null removes it,
   * a string replaces it.
   */
  public static String merge(JsonNode patch, String field, String current) {
    if (!patch.has(field)) {
      return current;
    }
    JsonNode n = patch.get(field);
    return n.isNull() ? null : n.asText();
  }

  /**
   * Query parameter {@code name} as an RFC 3339 date-time (an offset or {@code Z} required), or null when absent.
   *
   * @throws ApiException 400 naming {@code name} when it is not one
   */
  public static java.time.Instant time(Call call, String name) {
    String v = call.query(name);
    if (v == null) {
      return null;
    }
    // RFC 3339 §5.6 exactly: java.time alone also takes signed years of up to nine digits (which the store cannot
    // hold), minutes without seconds and offsets with seconds
    if (!RFC_3339.matcher(v).matches()) {
      throw badTime(name);
    }
    try {
      // stored times have microseconds at most (PostgreSQL): both stores then compare alike
      return java.time.OffsetDateTime.parse(v.toUpperCase(java.util.Locale.ROOT)).toInstant()
          .truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    } catch (java.time.format.DateTimeParseException e) {
      throw badTime(name);
    }
  }

  /** RFC 3339 §5.6 {@code date-time}: full date, {@code T}, time with seconds, optional fraction, {@code Z} or offset. */
  private static final java.util.regex.Pattern RFC_3339 = java.util.regex.Pattern.compile(
      "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})");

  private static ApiException badTime(String name) {
    return ApiException.invalidField(name, name + " must be an RFC 3339 date-time, e.g. 2026-11-30T08:00:00Z");
  }
}
