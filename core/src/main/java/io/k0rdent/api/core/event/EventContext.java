package io.k0rdent.api.core.event;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * Who made a change and through which request: the extension attributes of its {@link CloudEvent}
 * ({@code actorid}, {@code actortype}, {@code requestid}, {@code sourceaddress}).
 *
 * <p>The API router puts one in the local data of the request's duplicated Vert.x context ({@link #set}); the stores
 * read it ({@link #current}) when they append a mutation's event, so no store method takes it as an argument. Work
 * that no request started (server workers, seeding at start) reads {@link #SYSTEM} unless it sets its own.
 *
 * @param actorId       the principal's id (the token's {@code sub}); {@code k0rdent} for the system
 * @param actorType     the token's {@code principal_type} ({@code user}, {@code service_account}, {@code api_key}),
 *                      {@code anonymous} for a call without one, or {@code system}
 * @param organizationId the actor's organization (null for the provider's operators and the system); owns the events
 *                       of changes that belong to no resource, such as a token revocation
 * @param requestId     the request's {@code X-Request-Id}; null outside a request
 * @param sourceAddress the caller's IP address as the listener saw it; null outside a request
 * @param credentialId  the credential the caller's token was minted with (an API key's or a service-account
 *                      credential's id); null when there is none
 */
public record EventContext(String actorId, String actorType, String organizationId, String requestId,
                           String sourceAddress, String credentialId) {

  /** The actor of changes no request made: the control plane itself. */
  public static final EventContext SYSTEM = new EventContext("k0rdent", "system", null, null, null, null);

  private static final Object KEY = EventContext.class;

  /** The context set on the current duplicated Vert.x context, else {@link #SYSTEM}. */
  public static EventContext current() {
    Context c = Vertx.currentContext();
    if (c instanceof ContextInternal ci && ci.isDuplicate()) {
      Object v = ci.localContextData().get(KEY);
      if (v instanceof EventContext e) {
        return e;
      }
    }
    return SYSTEM;
  }

  /**
   * Sets {@code e} for the rest of the current request (its duplicated context and the callbacks that run on it).
   *
   * @throws IllegalStateException outside a duplicated context (an event loop's root context is shared by every
   *                               request, so a value there would leak into others)
   */
  public static void set(EventContext e) {
    Context c = Vertx.currentContext();
    if (!(c instanceof ContextInternal ci) || !ci.isDuplicate()) {
      throw new IllegalStateException("an event context needs a duplicated Vert.x context (a request's)");
    }
    ci.localContextData().put(KEY, e);
  }
}
