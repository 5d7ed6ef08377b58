package io.k0rdent.api.router;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an operation answers: status, optional JSON body and extra headers. Handlers return it instead
 * of writing to the response so that the pipeline can store it for {@code Idempotency-Key} replays.
 */
public record Reply(int status, JsonObject body, Map<String, String> headers) {

  public Reply {
    headers = Map.copyOf(headers);
  }

  public static Reply ok(JsonObject body) {
    return new Reply(200, body, Map.of());
  }

  public static Reply noContent() {
    return new Reply(204, null, Map.of());
  }

  /** The same reply with one more header. */
  public Reply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Reply(status, body, h);
  }
}
