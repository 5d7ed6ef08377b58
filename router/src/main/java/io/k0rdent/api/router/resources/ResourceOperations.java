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
import java.time.format.DateTimeFormatter;
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
  private static final int MAX_PATCH_ATTEMPTS = 5;

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
    this.toJson = r -> {
      JsonObject o = new JsonObject().put("selfLink", selfLink(r)).put("uid", r.uid().toString()).put("id", r.id());
      o.mergeIn(fields.apply(r));
      o.put("createdAt", DateTimeFormatter.ISO_INSTANT.format(r.createdAt()));
      o.put("updatedAt", DateTimeFormatter.ISO_INSTANT.format(r.updatedAt()));
      o.put("etag", r.etag());
      return o;
    };
  }

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

  /** getX: 200 with {@code ETag}. */
  public Future<Reply> get(Call call) {
    return store.get(call.pathId(kind)).map(r -> withEtag(200, r));
  }

  /**
   * updateX: applies {@code patch} (current → updated, already version+1) to the stored resource. With
   * {@code If-Match} the change is made only on that version; without, it is retried on concurrent changes.
   */
  public Future<Reply> update(Call call, Function<T, T> patch) {
    String id = call.pathId(kind);
    String ifMatch = call.header("If-Match");
    return updateAttempt(id, ifMatch, patch, 1).map(r -> withEtag(200, r));
  }

  private Future<T> updateAttempt(String id, String ifMatch, Function<T, T> patch, int attempt) {
    return store.get(id).compose(current -> {
      checkIfMatch(ifMatch, current);
      return store.update(patch.apply(current));
    }).recover(err -> {
      if (ifMatch == null && attempt < MAX_PATCH_ATTEMPTS && err instanceof ApiException a && a.status() == 412) {
        return updateAttempt(id, null, patch, attempt + 1);
      }
      return Future.failedFuture(err);
    });
  }

  /** deleteX: 204; with {@code If-Match} only while the resource is at that version. */
  public Future<Reply> delete(Call call) {
    String id = call.pathId(kind);
    String ifMatch = call.header("If-Match");
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
    Map<String, String> f = new TreeMap<>();
    filters.forEach((k, v) -> {
      if (v != null) {
        f.put(k, v);
      }
    });
    String scope = listField + "?" + f;
    int size = pageSize(call.query("pageSize"));
    String token = call.query("pageToken");
    PageCursor after = token == null || token.isEmpty() ? null : pageTokens.decode(token, scope);
    return store.list(new ListQuery(f, after, size)).map(page -> {
      JsonArray items = new JsonArray();
      page.items().forEach(r -> items.add(json(r)));
      JsonObject body = new JsonObject().put(listField, items);
      if (page.next() != null) {
        body.put("nextPageToken", pageTokens.encode(page.next(), scope));
      }
      return Reply.ok(body);
    });
  }

  private static int pageSize(String raw) {
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
   * Checks {@code If-Match} (RFC 9110 §13.1.1, strong comparison): absent or {@code *} passes; otherwise
   * one of the listed tags must equal the current {@code ETag}, else 412.
   */
  static void checkIfMatch(String ifMatch, Resource current) {
    if (ifMatch == null) {
      return;
    }
    for (String tag : ifMatch.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || t.equals(current.etag())) {
        return;
      }
    }
    throw ApiException.preconditionFailed("If-Match " + ifMatch + " does not match the current ETag "
        + current.etag());
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
}
