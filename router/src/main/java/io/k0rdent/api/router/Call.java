package io.k0rdent.api.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.error.ApiException;
import io.vertx.ext.web.RoutingContext;

/**
 * One authenticated, validated API call as an operation handler sees it: the caller, the path and query
 * parameters, and the request body already checked against the operation's schema (null when the
 * operation takes none).
 */
public record Call(RoutingContext ctx, Principal principal, JsonNode body) {

  /** A path parameter; path ids must be slugs, so anything else is a 404 for {@code kind}. */
  public String pathId(String kind) {
    String id = ctx.pathParam("id");
    if (!io.k0rdent.api.core.resource.Slugs.isValid(id)) {
      throw ApiException.notFound(kind, id == null ? "" : id);
    }
    return id;
  }

  /** A query parameter, or null; a parameter given twice is a 400. */
  public String query(String name) {
    var all = ctx.queryParam(name);
    if (all.size() > 1) {
      throw ApiException.invalidField(name, name + " is given more than once");
    }
    return all.isEmpty() ? null : all.get(0);
  }

  /** A text field of the body, or null when absent or JSON null. */
  public String text(String field) {
    JsonNode n = body == null ? null : body.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }
}
