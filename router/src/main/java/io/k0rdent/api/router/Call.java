package io.k0rdent.api.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.auth.policy.GrantSnapshot;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.vertx.ext.web.RoutingContext;

/**
 * One authenticated, validated API call as an operation handler sees it: the caller, the path and query
 * parameters, the request body already checked against the operation's schema (null when the operation
 * takes none), and what the caller's token may do ({@code grants}, null on open operations).
 *
 * <p>Authorization is the handler's first duty, once it knows where the target lies: {@link #require}
 * for collection-level actions, {@link #requireVisible} for one resource (404 when the caller may not
 * even see it). The router refuses to answer (500) an operation whose handler decided nothing.
 */
public record Call(RoutingContext ctx, Principal principal, JsonNode body, GrantSnapshot grants, Decided decided) {

  /** Whether a handler asked for a decision (the router's guard against an unguarded handler). */
  public static final class Decided {
    private volatile boolean value;

    /** True once the handler asked for a decision. */
    public boolean value() {
      return value;
    }

    void set() {
      value = true;
    }
  }

  public Call(RoutingContext ctx, Principal principal, JsonNode body, GrantSnapshot grants) {
    this(ctx, principal, body, grants, new Decided());
  }

  /** A path parameter; path ids must be slugs, so anything else is a 404 for {@code kind}. */
  public String pathId(String kind) {
    return pathId("id", kind);
  }

  /** Path parameter {@code name}; path ids must be slugs, so anything else is a 404 for {@code kind}. */
  public String pathId(String name, String kind) {
    String id = ctx.pathParam(name);
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

  /** Whether the caller may {@code permission} on {@code chain} (counts as the call's decision). */
  public boolean allowed(String permission, ScopeChain chain) {
    decided.set();
    return grants != null && grants.allowed(permission, chain);
  }

  /** 403 {@code PERMISSION_DENIED} unless the caller may {@code permission} on {@code chain}. */
  public void require(String permission, ScopeChain chain) {
    if (!allowed(permission, chain)) {
      throw ApiException.permissionDenied("the caller may not " + permission + " here");
    }
  }

  /**
   * For an action on one resource ({@code kind} {@code id} at {@code chain}): passes when the caller may
   * {@code permission}; else 403 when it may at least read the resource ({@link #readOf}), 404 when it
   * may not even see it (as if it did not exist).
   */
  public void requireVisible(String permission, ScopeChain chain, String kind, String id) {
    if (allowed(permission, chain)) {
      return;
    }
    if (grants != null && grants.allowed(readOf(permission), chain)) {
      throw ApiException.permissionDenied("the caller may not " + permission + " on " + kind + " '" + id + "'");
    }
    throw ApiException.notFound(kind, id);
  }

  /** The permission that reads what {@code permission} acts on: {@code service.resource.get}. */
  public static String readOf(String permission) {
    int last = permission.lastIndexOf('.');
    return last < 0 ? permission : permission.substring(0, last) + ".get";
  }

  /** Marks the call as decided without a grant check (an operation every authenticated caller may use). */
  public void open() {
    decided.set();
  }
}
