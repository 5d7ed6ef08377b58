package io.k0rdent.api.verticles.testsupport;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small blocking HTTP client for one face of a {@link TestNode}. */
public final class Api {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(TestNode.TIMEOUT).build();
  public final String base;

  Api(String base) {
    this.base = base;
  }

  /** A client for {@code base}, e.g. {@code http://127.0.0.1:8080}. */
  public static Api forUrl(String base) {
    return new Api(base);
  }

  /** A response with its body as text and, when JSON, parsed. */
  public record Res(int status, Map<String, String> headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase());
    }

    /** The contract error's ErrorInfo reason, or null. */
    public String reason() {
      var details = json().getJsonObject("error").getJsonArray("details");
      return details.isEmpty() ? null : details.getJsonObject(0).getString("reason");
    }
  }

  /** Sends a request; {@code headers} are name, value pairs. */
  public Res send(String method, String path, String body, String... headers) {
    return sendBytes(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Sends a request with a raw body. */
  public Res sendBytes(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TestNode.TIMEOUT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Map<String, String> h = new LinkedHashMap<>();
      r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(), String.join(",", v)));
      return new Res(r.statusCode(), h, r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Res get(String path, String token) {
    return send("GET", path, null, "Authorization", "Bearer " + token);
  }

  /** A POST of {@code body} as JSON; null: no body at all (no Content-Type either). */
  public Res post(String path, String token, JsonObject body, String... extraHeaders) {
    if (body == null) {
      return send("POST", path, null, concat(new String[] {"Authorization", "Bearer " + token}, extraHeaders));
    }
    return send("POST", path, body.encode(), concat(new String[] {"Authorization", "Bearer " + token,
        "Content-Type", "application/json"}, extraHeaders));
  }

  public Res patch(String path, String token, JsonObject body, String... extraHeaders) {
    return send("PATCH", path, body.encode(), concat(new String[] {"Authorization", "Bearer " + token,
        "Content-Type", "application/merge-patch+json"}, extraHeaders));
  }

  public Res delete(String path, String token, String... extraHeaders) {
    return send("DELETE", path, null, concat(new String[] {"Authorization", "Bearer " + token}, extraHeaders));
  }

  /** A client_credentials token via form body; fails the test when the server refuses. */
  public String clientCredentialsToken(String clientId, String secret) {
    Res r = send("POST", "/v1/regions/global/auth/token",
        "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret=" + enc(secret),
        "Content-Type", "application/x-www-form-urlencoded");
    if (r.status() != 200) {
      throw new AssertionError("token request failed: " + r.status() + " " + r.body());
    }
    return r.json().getString("access_token");
  }

  public static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
