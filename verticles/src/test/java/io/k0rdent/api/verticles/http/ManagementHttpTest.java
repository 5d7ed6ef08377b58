package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The management face: liveness, readiness and Prometheus metrics with per-route request histograms. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementHttpTest {

  TestNode node;
  HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    node = TestNode.start();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.managementUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthAndReadiness() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"store\":\"up\"").contains("\"hazelcast\":\"up\"");
    assertThat(get("/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(node.managementUrl() + "/healthz"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  @Test
  void metricsHaveRequestHistogramsPerRouteTemplate() throws Exception {
    Api api = node.arc;
    String token = node.token();
    api.get("/v1/regions/global/organizations/provider", token);
    api.get("/v1/regions/global/organizations/does-not-exist", token);
    api.get("/no/such/path", token);
    for (int i = 0; i < 5; i++) {
      api.send("M" + i + "X", "/v1/regions/global/organizations", null);
    }
    HttpResponse<String> m = get("/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    String body = m.body();
    assertThat(body).contains("http_server_requests_seconds_bucket{");
    assertThat(body).containsPattern(
        "http_server_requests_seconds_count\\{[^}]*route=\"/v1/regions/global/organizations/\\{id}\"[^}]*status=\"200\"");
    assertThat(body).containsPattern(
        "http_server_requests_seconds_count\\{[^}]*route=\"/v1/regions/global/organizations/\\{id}\"[^}]*status=\"404\"");
    assertThat(body).containsPattern("http_server_requests_seconds_count\\{[^}]*route=\"UNMATCHED\"");
    assertThat(body).doesNotContain("does-not-exist");
    assertThat(body).contains("method=\"OTHER\"").doesNotContain("method=\"M0X\"");
    assertThat(body).contains("jvm_memory_used_bytes");
    // the policy engine's share of each call: two authorized calls above
    assertThat(body).contains("k0rdent_authz_grants_seconds_bucket{");
    assertThat(body).containsPattern("k0rdent_authz_grants_seconds_count(\\{[^}]*})? ([2-9]|\\d{2,})");
  }
}
