package io.k0rdent.api.router.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Field rules shared by the service-account and API-key handlers: scope, roles, lifetimes, timestamps. */
final class IamFields {

  private IamFields() {}

  /**
   * The organization a {@code scope}/{@code scopeId} lies in: the id itself for organization scope, the
   * project's organization for project scope. Fails 400 (field {@code scopeId}) when the project does
   * not exist (the store checks organizations).
   */
  static Future<String> organizationOf(Store store, String scope, String scopeId) {
    if (!"project".equals(scope)) {
      return Future.succeededFuture(scopeId);
    }
    return store.projects().get(scopeId).map(Project::organizationId).recover(e -> Future.failedFuture(
        e instanceof ApiException a && a.status() == 404
            ? ApiException.invalidField("scopeId", "project '" + scopeId + "' does not exist") : e));
  }

  /** The {@code roles} array of a validated body, or null when absent. */
  static List<String> roles(JsonNode body) {
    JsonNode n = body == null ? null : body.get("roles");
    if (n == null || n.isNull()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    n.forEach(r -> out.add(r.asText()));
    return out;
  }

  /**
   * {@code expiresAt} of a validated body: absent → {@code now + max}; otherwise it must lie after
   * {@code now} (400) and at most {@code max} away (422). Truncated to milliseconds.
   */
  static Instant expiresAt(JsonNode body, Instant now, Duration max) {
    JsonNode n = body == null ? null : body.get("expiresAt");
    if (n == null || n.isNull()) {
      return now.plus(max);
    }
    Instant at;
    try {
      at = OffsetDateTime.parse(n.asText()).toInstant().truncatedTo(ChronoUnit.MILLIS);
    } catch (DateTimeParseException e) {
      throw ApiException.invalidField("expiresAt", "expiresAt must be an RFC 3339 date-time");
    }
    if (!at.isAfter(now)) {
      throw ApiException.invalidField("expiresAt", "expiresAt must be in the future");
    }
    if (at.isAfter(now.plus(max))) {
      throw ApiException.unprocessable("LIFETIME_TOO_LONG", "expiresAt may be at most " + max.toDays()
          + " days from now");
    }
    return at;
  }

  /** Puts an RFC 3339 timestamp when not null. */
  static JsonObject putTime(JsonObject o, String field, Instant t) {
    if (t != null) {
      o.put(field, DateTimeFormatter.ISO_INSTANT.format(t));
    }
    return o;
  }

  /** A JSON array of strings. */
  static io.vertx.core.json.JsonArray array(List<String> values) {
    return new io.vertx.core.json.JsonArray(new ArrayList<>(values));
  }

  /** A query parameter that must be one of {@code allowed} (400 otherwise), or null when absent. */
  static String oneOf(io.k0rdent.api.router.Call call, String name, String... allowed) {
    String v = call.query(name);
    if (v != null && !List.of(allowed).contains(v)) {
      throw ApiException.invalidField(name, name + " must be one of " + String.join(", ", allowed));
    }
    return v;
  }

  /** A query parameter that must be a slug (400 otherwise), or null when absent. */
  static String slug(io.k0rdent.api.router.Call call, String name) {
    String v = call.query(name);
    if (v != null && !io.k0rdent.api.core.resource.Slugs.isValid(v)) {
      throw ApiException.invalidField(name, name + " must be an id (a slug)");
    }
    return v;
  }
}
