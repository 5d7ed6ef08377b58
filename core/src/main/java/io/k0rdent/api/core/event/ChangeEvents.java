package io.k0rdent.api.core.event;

import io.vertx.core.json.JsonObject;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Resource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Turns a stored change into its outbox event ({@link Change}): a {@link CloudEvent} of type
 * {@code ai.k0rdent.<service>.<kind>.<verb>} whose {@code subject} and Kafka key are the resource's selfLink and
 * whose {@code data} is the resource as the API shows it after the change ({@code {"id","uid"}} for a delete), with
 * the actor and request of {@link EventContext#current()}.
 *
 * <p>How a kind looks in the API is the router's knowledge: it {@link #register}s one {@link Rendering} per resource
 * class when the node wires its store. A class with no rendering (core's own store tests) gets a minimal one: type
 * {@code ai.k0rdent.<kind>.<verb>}, subject {@code urn:k0rdent:<kind>:<id>}, data {@code {"id","uid","version"}}.
 * Renderings must leave secrets out; the API's own rendering does.
 *
 * <p>Thread-safe; one instance per store.
 */
public final class ChangeEvents {

  /** The verbs of the generic mutations. */
  public static final String CREATED = "created";
  public static final String UPDATED = "updated";
  public static final String DELETED = "deleted";

  /**
   * Whose change it is, for the audit log's tenant filter: an organization directly, or through the resource that
   * holds it (the store resolves it in the mutation's transaction), or the provider's ({@link #PROVIDER}: only
   * platform-wide audit readers see it).
   *
   * @param kind which of {@link OwnerKind}
   * @param id   the organization's or holder's id; null for {@link OwnerKind#PROVIDER}
   */
  public record Owner(OwnerKind kind, String id) {
    public static final Owner PROVIDER = new Owner(OwnerKind.PROVIDER, null);

    public static Owner organization(String id) {
      return id == null ? PROVIDER : new Owner(OwnerKind.ORGANIZATION, id);
    }

    public static Owner project(String id) {
      return new Owner(OwnerKind.PROJECT, id);
    }
  }

  /** The kinds of {@link Owner}. */
  public enum OwnerKind { ORGANIZATION, PROJECT, GROUP, SERVICE_ACCOUNT, PROVIDER }

  /**
   * How one resource class looks in events.
   *
   * @param typePrefix e.g. {@code ai.k0rdent.resourcemanager.project}; the verb is appended
   * @param selfLink   the resource's selfLink (event subject and Kafka key)
   * @param owner      whose change it is
   * @param data       the resource as the API shows it, without secrets, given the resources stored with it that
   *                   the API shows inside it (its parts, e.g. a network's subnets; empty for most kinds, see
   *                   {@link ChangeEvents#of(String, Resource, List)})
   */
  public record Rendering<T>(String typePrefix, Function<T, String> selfLink, Function<T, Owner> owner,
                             BiFunction<T, List<? extends Resource>, JsonObject> data) {
    public Rendering {
      Objects.requireNonNull(typePrefix, "typePrefix");
      Objects.requireNonNull(selfLink, "selfLink");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(data, "data");
    }

    /** A rendering whose data is the resource's alone (a kind without parts). */
    public Rendering(String typePrefix, Function<T, String> selfLink, Function<T, Owner> owner,
                     Function<T, JsonObject> data) {
      this(typePrefix, selfLink, owner, resourceOnly(data));
    }

    private static <T> BiFunction<T, List<? extends Resource>, JsonObject> resourceOnly(Function<T, JsonObject> data) {
      Objects.requireNonNull(data, "data");
      return (r, parts) -> data.apply(r);
    }
  }

  /**
   * One event to append with a mutation.
   *
   * @param event the event, context attributes set
   * @param key   the Kafka record key (the subject)
   * @param owner whose change it is
   * @param retiredOrganization the id of the organization this change deletes, else null: the stores hand the
   *                            organization's earlier events to the provider (organization NULL) in the same
   *                            transaction, so that a new organization given the same id never reads them
   */
  public record Change(CloudEvent event, String key, Owner owner, String retiredOrganization) {
    public Change {
      Objects.requireNonNull(event, "event");
      Objects.requireNonNull(owner, "owner");
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("key must be non-empty");
      }
    }

    /** A change that deletes no organization. */
    public Change(CloudEvent event, String key, Owner owner) {
      this(event, key, owner, null);
    }
  }

  private final Map<Class<?>, Rendering<?>> renderings = new ConcurrentHashMap<>();
  private volatile String source = "/k0rdent";

  /** Sets the {@code source} attribute of every later event (a URI-reference naming this deployment). */
  public ChangeEvents source(String source) {
    if (source == null || source.isEmpty()) {
      throw new IllegalArgumentException("source must be non-empty");
    }
    this.source = source;
    return this;
  }

  /** The current {@code source} attribute. */
  public String source() {
    return source;
  }

  /** Registers (or replaces) the rendering of {@code type}. */
  public <T> ChangeEvents register(Class<T> type, Rendering<T> rendering) {
    renderings.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(rendering, "rendering"));
    return this;
  }

  /**
   * The event of {@code verb} ({@link #CREATED}, {@link #UPDATED} or an action's past tense such as {@code revoked})
   * for {@code resource} as stored after the change; data is the rendered resource.
   */
  public <T extends Resource> Change of(String verb, T resource) {
    return of(verb, resource, List.of());
  }

  /**
   * As {@link #of(String, Resource)} for a resource that the API shows together with resources stored with it, its
   * {@code parts} (a network with its subnets): the store passes them as they are after the change, in the API's
   * order, and the rendering shows them as the API would.
   */
  public <T extends Resource> Change of(String verb, T resource, List<? extends Resource> parts) {
    Rendering<T> r = rendering(resource);
    return change(r.typePrefix() + "." + verb, r.selfLink().apply(resource), r.owner().apply(resource),
        r.data().apply(resource, List.copyOf(parts)));
  }

  /** The {@link #DELETED} event of {@code resource} (as it was stored): data {@code {"id","uid"}}. */
  public <T extends Resource> Change deleted(T resource) {
    Rendering<T> r = rendering(resource);
    JsonObject data = new JsonObject().put("id", resource.id()).put("uid", resource.uid().toString());
    if (resource instanceof Organization o) {
      // its id may be given to a new organization: its history (this event too) goes to the provider
      Change c = change(r.typePrefix() + "." + DELETED, r.selfLink().apply(resource), Owner.PROVIDER, data);
      return new Change(c.event(), c.key(), c.owner(), o.id());
    }
    return change(r.typePrefix() + "." + DELETED, r.selfLink().apply(resource), r.owner().apply(resource), data);
  }

  /** The type of a token revocation's event ({@link #revoked}). */
  public static final String TOKEN_REVOKED = "ai.k0rdent.auth.token.revoked";

  /**
   * The event of an access token's revocation (RFC 7009): subject {@code /v1/regions/global/auth/tokens/<jti>} (a
   * name, not a route), data {@code {"jti","expiresAt"}}, owned by the acting principal's organization. Null for a
   * revocation marker ({@link io.k0rdent.api.core.auth.AuthState#isMarker}): the change it comes with (an account
   * or key disabled, a credential deleted) has its own event.
   */
  public Change revoked(String jti, java.time.Instant expiresAt) {
    if (io.k0rdent.api.core.auth.AuthState.isMarker(jti)) {
      return null;
    }
    return change(TOKEN_REVOKED, "/v1/regions/global/auth/tokens/" + jti,
        Owner.organization(EventContext.current().organizationId()),
        new JsonObject().put("jti", jti).put("expiresAt", expiresAt == null ? null : expiresAt.toString()));
  }

  /** An event that no registered resource describes: the given type, subject and data. */
  public Change change(String type, String subject, Owner owner, JsonObject data) {
    EventContext ctx = EventContext.current();
    CloudEvent e = CloudEvent.of(source, type, subject, Clock.now(), data)
        .withContext(ctx.actorId(), ctx.actorType(), ctx.requestId(), ctx.sourceAddress(), ctx.credentialId());
    return new Change(e, subject, owner);
  }

  @SuppressWarnings("unchecked")
  private <T extends Resource> Rendering<T> rendering(T resource) {
    Rendering<T> r = (Rendering<T>) renderings.get(resource.getClass());
    return r != null ? r : fallback(resource);
  }

  private static <T extends Resource> Rendering<T> fallback(T resource) {
    String name = resource.getClass().getSimpleName();
    String kind = Character.toLowerCase(name.charAt(0)) + name.substring(1);
    return new Rendering<>("ai.k0rdent." + kind, x -> "urn:k0rdent:" + kind + ":" + x.id(), x -> Owner.PROVIDER,
        x -> new JsonObject().put("id", x.id()).put("uid", x.uid().toString()).put("version", x.version()));
  }
}
