package io.k0rdent.api.router;

import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.event.EventContext;
import io.vertx.ext.web.RoutingContext;

/**
 * Tells the stores who is acting in this request ({@link EventContext}), so that the events of the changes it makes
 * carry the principal, the request id and the caller's address.
 */
public final class EventActors {

  private EventActors() {}

  /**
   * Sets the request's event context: {@code p}'s subject, type claim and organization, else an anonymous actor.
   * Runs on the request's duplicated context (a route handler or a callback of the request's futures).
   */
  public static void set(RoutingContext ctx, Principal p) {
    String address = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    EventContext e = p == null
        ? new EventContext(null, "anonymous", null, RequestIds.get(ctx), address, null)
        : new EventContext(p.subject(), p.type().claim(), p.tenantId(), RequestIds.get(ctx), address,
            p.credentialId());
    EventContext.set(e);
  }
}
