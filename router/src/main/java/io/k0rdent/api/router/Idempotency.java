package io.k0rdent.api.router;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.IdempotencyStore;
import io.vertx.core.Future;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} on POST (IETF httpapi idempotency-key draft): the first request with a key
 * reserves it for the calling principal; a successful answer is stored and replayed to retries with the
 * same key and the same method, path and body (marked {@code Idempotent-Replayed: true}); the same key
 * with another request answers 422; a retry while the first is still running answers 409. A failed first
 * request frees the key, so the client may retry it after fixing the cause.
 *
 * <p>Secrets are never stored: the members named in {@link #SECRET_FIELDS} (a new client secret, a new
 * API key) are left out of the stored answer, so a replay returns the resource without its secret (shown
 * once means once) rather than keeping it in the database for the retention period.
 */
public final class Idempotency {

  public static final String HEADER = "Idempotency-Key";
  /** Top-level response members that carry a newly issued secret and are never stored. */
  public static final java.util.Set<String> SECRET_FIELDS = java.util.Set.of("clientSecret", "secret");
  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
  private final IdempotencyStore store;
  private final Duration ttl;

  public Idempotency(IdempotencyStore store, Duration ttl) {
    this.store = store;
    this.ttl = ttl;
  }

  /**
   * SHA-256 over method, path and the body's canonical JSON (object keys sorted, no insignificant white
   * space): what "the same request" means, so a retry that re-serialises the same JSON still matches.
   */
  public static String requestHash(String method, String path, JsonNode body) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(method.getBytes(StandardCharsets.UTF_8));
      md.update((byte) ' ');
      md.update(path.getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
      if (body != null) {
        md.update(CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(body, Object.class)));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  /** Runs {@code action} at most once per ({@code principal}, {@code key}) and replays its success. */
  public Future<Reply> run(String principal, String key, String requestHash, Supplier<Future<Reply>> action) {
    if (!KEY.matcher(key).matches()) {
      throw ApiException.invalidField(HEADER, "Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
    return store.reserve(principal, key, requestHash, Instant.now().plus(ttl)).compose(held -> {
      if (held.isPresent()) {
        IdempotencyStore.Entry e = held.get();
        if (!e.requestHash().equals(requestHash)) {
          return Future.failedFuture(ApiException.unprocessable("IDEMPOTENCY_KEY_REUSED",
              "this Idempotency-Key was already used with a different request"));
        }
        if (!e.completed()) {
          return Future.failedFuture(ApiException.conflict("IDEMPOTENCY_KEY_IN_USE",
              "a request with this Idempotency-Key is still in progress; retry later"));
        }
        return Future.succeededFuture(new Reply(e.status(), e.body() == null ? null : new JsonObject(e.body()),
            e.headers()).withHeader("Idempotent-Replayed", "true"));
      }
      Future<Reply> result;
      try {
        result = action.get();
      } catch (RuntimeException ex) {
        result = Future.failedFuture(ex);
      }
      return result.compose(
          reply -> store.complete(principal, key, reply.status(), storable(reply.body()), reply.headers()).map(reply),
          err -> store.release(principal, key).transform(ignored -> Future.failedFuture(err)));
    });
  }

  private static String storable(JsonObject body) {
    if (body == null) {
      return null;
    }
    JsonObject copy = body.copy();
    SECRET_FIELDS.forEach(copy::remove);
    return copy.encode();
  }
}
