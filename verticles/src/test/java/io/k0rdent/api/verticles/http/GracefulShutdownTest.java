package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.verticles.testsupport.TestNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drains: a request whose body is still arriving when the node is told to stop completes
 * normally, while new connections are refused; then the node finishes closing.
 */
class GracefulShutdownTest {

  @Test
  void inFlightRequestCompletesWhileNewConnectionsAreRefused() throws Exception {
    TestNode node = TestNode.start();
    String token = node.token();
    int port = node.node().arcPort();
    String body = "{\"id\":\"drained\",\"displayName\":\"finished after shutdown began\"}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/regions/global/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, 10);
      out.flush();
      Thread.sleep(200);

      CompletableFuture<Void> closed = node.node().close().toCompletionStage().toCompletableFuture();
      Thread.sleep(500);
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
      assertThat(closed).isNotDone();
      var ready = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(node.managementUrl() + "/readyz")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as("readiness while draining").isEqualTo(503);
      assertThat(ready.body()).contains("draining");

      out.write(bytes, 10, bytes.length - 10);
      out.flush();
      String response = readAll(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 201");
      assertThat(response).contains("\"id\":\"drained\"");
      closed.get(30, TimeUnit.SECONDS);
    }
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
