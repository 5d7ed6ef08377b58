package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The reading side of a Redfish client (DSP0266) over Vert.x {@link WebClient}, never blocking: GET of a resource
 * by its {@code @odata.id}, followed as the BMC wrote it (an opaque path, never built), and the members of a
 * collection. HTTP Basic for now; sessions, TLS trust settings, actions and retries come with the server
 * lifecycle (issue 7).
 */
public final class RedfishClient {

  /** A BMC answer other than 2xx or 404 (or no answer at all). */
  public static final class RedfishException extends RuntimeException {
    public RedfishException(String message) {
      super(message);
    }
  }

  private final WebClient web;
  private final URI base;
  private final String username;
  private final String password;
  private final int timeoutMs;

  /**
   * @param bmc      the BMC's base URL, e.g. {@code http://10.0.0.5} (its service root is {@code /redfish/v1})
   * @param timeoutMs per request
   */
  public RedfishClient(Vertx vertx, String bmc, String username, String password, int timeoutMs) {
    this.base = URI.create(bmc);
    this.username = username;
    this.password = password;
    this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(timeoutMs).setIdleTimeout(0)
        .setDefaultHost(base.getHost()).setDefaultPort(base.getPort() < 0 ? 80 : base.getPort()));
    this.timeoutMs = timeoutMs;
  }

  /** The resource at {@code odataId}, or null when the BMC answers 404 (a link to a resource it left out). */
  public Future<JsonObject> get(String odataId) {
    return web.get(odataId).basicAuthentication(username, password).timeout(timeoutMs).send().compose(r -> {
      if (r.statusCode() == 404) {
        return Future.succeededFuture(null);
      }
      if (r.statusCode() / 100 != 2) {
        return Future.failedFuture(new RedfishException("GET " + odataId + " answered " + r.statusCode()));
      }
      return Future.succeededFuture(r.bodyAsJsonObject());
    }, err -> Future.failedFuture(new RedfishException("GET " + odataId + " failed: " + err.getMessage())));
  }

  /** The resource a link object ({@code {"@odata.id": ...}}) names; null for a null link or a 404. */
  public Future<JsonObject> follow(JsonObject link) {
    String id = link == null ? null : link.getString("@odata.id");
    return id == null ? Future.succeededFuture(null) : get(id);
  }

  /** The members of the collection {@code link} names, those the BMC serves (404s left out), in order. */
  public Future<List<JsonObject>> members(JsonObject link) {
    return follow(link).compose(coll -> {
      if (coll == null) {
        return Future.succeededFuture(List.of());
      }
      return followAll(coll.getJsonArray("Members", new JsonArray()));
    });
  }

  /** The resources an array of link objects names, those the BMC serves (404s left out), in order. */
  public Future<List<JsonObject>> followAll(JsonArray links) {
    List<Future<JsonObject>> each = new ArrayList<>();
    for (Object m : links) {
      each.add(m instanceof JsonObject link ? follow(link) : Future.succeededFuture(null));
    }
    return Future.all(each).map(all -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < each.size(); i++) {
        if (all.resultAt(i) != null) {
          out.add(all.resultAt(i));
        }
      }
      return out;
    });
  }

  public void close() {
    web.close();
  }
}
