package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.AuditPage;
import io.k0rdent.api.core.store.AuditQuery;
import io.k0rdent.api.core.store.AuditQuery.Reach;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.BodyValidator;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.Face;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The audit log, {@code listAuditEvents} ({@code GET /v1/regions/global/audit}, our extension; both faces): the
 * change events of the outbox ({@link io.k0rdent.api.core.store.EventOutbox#audit}), newest first, each rendered as
 * its CloudEvents 1.0 JSON event ({@link io.k0rdent.api.core.event.CloudEvent#toJson()}), in
 * {@code {"events": [...], "nextPageToken": "..."}} ({@code nextPageToken} absent on the last page).
 *
 * <p><b>Whose events.</b> Decided first, before any parameter is read:
 * <ul>
 *   <li>on Atlas, a caller allowed {@value Permissions#AUDIT_EVENTS_LIST} at {@link ScopeChain#PLATFORM} (provider
 *       operators) reads every row ({@link Reach#ALL}: every organization's and the provider's own);</li>
 *   <li>otherwise, and always on Arc (the issue: "Arc: only the caller's organization", so a provider operator on
 *       Arc sees the provider organization's events only), a caller allowed it at its own organization
 *       ({@code ScopeChain.organization(tenant)}) reads that organization's rows;</li>
 *   <li>anyone else gets 403 {@code PERMISSION_DENIED} (the log is a collection the caller knows of: no 404).</li>
 * </ul>
 *
 * <p><b>Parameters.</b> {@code startTime} (inclusive) and {@code endTime} (exclusive), RFC 3339 with an offset;
 * {@code endTime} must be after {@code startTime}; {@code actor} (exact {@code actorid}, at most
 * {@value #MAX_ACTOR} characters), {@code resource} (a literal {@code subject} prefix, at most
 * {@value #MAX_RESOURCE}), {@code type} (exact, at most {@value #MAX_TYPE}); each non-empty storable text;
 * {@code pageSize} 1..{@value ResourceOperations#MAX_PAGE_SIZE} (default {@value ResourceOperations#DEFAULT_PAGE_SIZE});
 * {@code pageToken} as issued for the same reach and filters. Anything else is a 400 naming the parameter.
 *
 * <p><b>Page tokens</b> are {@link io.k0rdent.api.router.PageTokens} sealing the last event's {@code seq} (in the
 * cursor's id; its time is unused), bound to the reach and every filter, so a token of another filter, another
 * organization or the other face's reach is a 400.
 */
public final class AuditApi {

  /** The operation's path. */
  public static final String PATH = "/v1/regions/global/audit";
  /** Longest {@code actor}, in characters (a client id or email-like subject). */
  public static final int MAX_ACTOR = 320;
  /** Longest {@code resource}, in characters. */
  public static final int MAX_RESOURCE = 1024;
  /** Longest {@code type}, in characters. */
  public static final int MAX_TYPE = 255;

  private final ApiServices services;
  private final Face face;

  /**
   * @param services the store's outbox and the page-token key
   * @param face     the listener this router serves: only Atlas ever reads every organization's events
   */
  public AuditApi(ApiServices services, Face face) {
    this.services = Objects.requireNonNull(services, "services");
    this.face = Objects.requireNonNull(face, "face");
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of("listAuditEvents", this::list);
  }

  private Future<Reply> list(Call call) {
    Reach reach = reach(call);
    Instant start = ResourceOperations.time(call, "startTime");
    Instant end = ResourceOperations.time(call, "endTime");
    if (start != null && end != null && !start.isBefore(end)) {
      throw ApiException.invalidField("endTime", "endTime must be after startTime");
    }
    String actor = text(call, "actor", MAX_ACTOR);
    String resource = text(call, "resource", MAX_RESOURCE);
    String type = text(call, "type", MAX_TYPE);
    int size = ResourceOperations.pageSize(call.query("pageSize"));
    String scope = "auditEvents?" + new JsonArray().add(reach instanceof AuditQuery.Organization o ? "org:" + o.id()
        : "*").add(start == null ? null : start.toString()).add(end == null ? null : end.toString()).add(actor)
        .add(resource).add(type).encode();
    Long before = cursor(call.query("pageToken"), scope);
    AuditQuery q = new AuditQuery(reach, start, end, actor, resource, type, before, size);
    return services.store().events().audit(q).map(page -> {
      JsonArray events = new JsonArray();
      for (AuditPage.Entry e : page.entries()) {
        events.add(e.event().toJson());
      }
      JsonObject body = new JsonObject().put("events", events);
      if (page.more()) {
        body.put("nextPageToken", services.pageTokens().encode(new PageCursor(Instant.EPOCH,
            Long.toString(page.lastSeq())), scope));
      }
      return Reply.ok(body);
    });
  }

  /** Whose events the caller reads here; 403 when none. Counts as the call's decision. */
  private Reach reach(Call call) {
    if (face == Face.ATLAS && call.allowed(Permissions.AUDIT_EVENTS_LIST, ScopeChain.PLATFORM)) {
      return Reach.ALL;
    }
    String own = call.principal() == null ? null : call.principal().tenantId();
    if (own != null && !own.isEmpty() && call.allowed(Permissions.AUDIT_EVENTS_LIST, ScopeChain.organization(own))) {
      return Reach.organization(own);
    }
    throw ApiException.permissionDenied("the caller may not " + Permissions.AUDIT_EVENTS_LIST
        + " in its organization");
  }

  /** The {@code seq} a page token resumes before, or null for the first page; 400 naming pageToken otherwise. */
  private Long cursor(String token, String scope) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    PageCursor c = services.pageTokens().decode(token, scope);
    try {
      long seq = Long.parseLong(c.id());
      if (seq > 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // not one of this list's: below
    }
    throw ApiException.invalidField("pageToken", "pageToken is not a token this list returned");
  }

  /** Optional text parameter {@code name}: non-empty, at most {@code max} characters, storable; else 400. */
  private static String text(Call call, String name, int max) {
    String v = call.query(name);
    if (v == null) {
      return null;
    }
    if (v.isEmpty()) {
      throw ApiException.invalidField(name, name + " must not be empty (leave it out to match everything)");
    }
    String bad = BodyValidator.badCharacter(v);
    if (bad != null) {
      throw ApiException.invalidField(name, name + " " + bad);
    }
    if (v.codePointCount(0, v.length()) > max) {
      throw ApiException.invalidField(name, name + " must be at most " + max + " characters");
    }
    return v;
  }
}
