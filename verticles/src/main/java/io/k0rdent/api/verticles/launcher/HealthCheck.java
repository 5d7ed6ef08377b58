package io.k0rdent.api.verticles.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A dependency-free probe for container health checks (JRE images ship no curl): GETs the URL given as
 * the only argument and exits 0 on a 2xx within 3 s, 1 otherwise.
 */
public final class HealthCheck {

  private HealthCheck() {}

  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:9000/healthz";
    try {
      HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
          .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
              HttpResponse.BodyHandlers.discarding());
      System.exit(r.statusCode() / 100 == 2 ? 0 : 1);
    } catch (Exception e) {
      System.exit(1);
    }
  }
}
