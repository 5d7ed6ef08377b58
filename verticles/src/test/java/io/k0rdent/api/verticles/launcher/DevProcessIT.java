package io.k0rdent.api.verticles.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Starts {@code java -jar verticles/target/k0rdent-api.jar dev} as a separate process on free ports (the
 * built artifact, so this runs in the integration-test phase, after packaging), reads the printed
 * bootstrap credentials, gets a token, creates an organization, then stops it with SIGTERM and expects
 * a clean exit.
 */
class DevProcessIT {

  @Test
  void devPrintsCredentialsThatWork() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path jar = Path.of(System.getProperty("k0rdent.jar", "target/k0rdent-api.jar"));
    assertThat(jar).exists();
    List<String> cmd = new ArrayList<>(List.of(java, "-jar", jar.toString(),
        "dev", "--arc-port", "0", "--atlas-port", "0", "--management-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("K0RDENT_BOOTSTRAP_CLIENT_ID");
    pb.environment().remove("K0RDENT_BOOTSTRAP_CLIENT_SECRET");
    pb.environment().put("K0RDENT_HAZELCAST_CLUSTER_NAME", "devtest-" + ProcessHandle.current().pid());
    Process p = pb.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String clientId = null;
      String secret = null;
      String arc = null;
      Pattern arcLine = Pattern.compile("Arc\\s+\\(public\\):\\s+(http://\\S+)");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      StringBuilder seen = new StringBuilder();
      String line;
      while (secret == null && System.nanoTime() < deadline && (line = out.readLine()) != null) {
        seen.append(line).append('\n');
        Matcher m = arcLine.matcher(line);
        if (m.find()) {
          arc = m.group(1);
        } else if (line.startsWith("K0RDENT_BOOTSTRAP_CLIENT_ID=")) {
          clientId = line.substring(line.indexOf('=') + 1);
        } else if (line.startsWith("K0RDENT_BOOTSTRAP_CLIENT_SECRET=")) {
          secret = line.substring(line.indexOf('=') + 1);
        }
      }
      assertThat(secret).as("dev printed:%n%s", seen).isNotNull();
      assertThat(secret).startsWith("plt_cs_");
      assertThat(arc).as("dev printed:%n%s", seen).isNotNull();
      Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
      drain.setDaemon(true);
      drain.start();

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> tok = http.send(HttpRequest.newBuilder(URI.create(arc + "/v1/regions/global/auth/token"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("grant_type", "client_credentials")
              .put("client_id", clientId).put("client_secret", secret).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(tok.statusCode()).as(tok.body()).isEqualTo(200);
      String token = new JsonObject(tok.body()).getString("access_token");
      HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(arc + "/v1/regions/global/organizations"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"acme\",\"displayName\":\"Acme\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      assertThat(new JsonObject(created.body()).getString("id")).isEqualTo("acme");

      // dev defines region local-1 with its seeded external pools: an EXTERNAL address comes from them
      assertThat(post(http, arc + "/v1/regions/global/projects", token, "{\"id\":\"p\",\"organizationId\":\"acme\"}")
          .statusCode()).isEqualTo(201);
      HttpResponse<String> address = post(http, arc + "/v1/regions/local-1/projects/p/compute/addresses", token, "{}");
      assertThat(address.statusCode()).as(address.body()).isEqualTo(201);
      assertThat(new JsonObject(address.body()).getString("ipAddress")).startsWith("203.0.113.");
      HttpResponse<String> v6 = post(http, arc + "/v1/regions/local-1/projects/p/compute/addresses", token,
          "{\"ipVersion\":\"IPV6\"}");
      assertThat(v6.statusCode()).as(v6.body()).isEqualTo(201);
      assertThat(new JsonObject(v6.body()).getString("ipAddress")).startsWith("2001:db8:1:");
      assertThat(post(http, arc + "/v1/regions/us-east-1/projects/p/compute/addresses", token, "{}").statusCode())
          .isEqualTo(404);

      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isIn(0, 143);
    } finally {
      p.destroyForcibly();
    }
  }

  private static HttpResponse<String> post(HttpClient http, String url, String token, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
