package io.k0rdent.api.verticles.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.nearcache.NearCache;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.proxy.NearCachedMapProxyImpl;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import com.hazelcast.topic.ReliableMessageListener;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.GrantInputs;
import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeType;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.auth.RoleSets;
import io.k0rdent.api.core.auth.UsageBatcher;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.store.Store;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AuthState} cluster nodes run: credentials, service accounts and API keys, and the inputs of
 * grants (users, organizations, projects, custom roles, principals' bindings, users' group memberships),
 * read through Hazelcast IMaps with near caches in front of the store (one map per {@link Kind},
 * {@link #mapName}), revocations held in every node's memory and
 * spread over a reliable topic, role sets cached locally, usage written in batches. Configure the member
 * with {@link HazelcastSetup#configureAuth} (maps, near caches, immediate invalidation, Compact
 * serializers); obtain an instance with {@link #start}.
 *
 * <h2>Lookups</h2>
 * {@code getAsync} on the IMap: a near-cache hit is an already completed future and is answered
 * synchronously, with no context switch and no allocation beyond the answer. Otherwise the Hazelcast
 * future is bridged back to the calling Vert.x context. On a miss the store is read (404 → null), the
 * answer is cached (a record for {@link Options#entryTtl}, a tombstone {@code Mark} for an absent id for
 * {@link Options#absentTtl}, so floods of unknown ids do not each reach the database), and then answered.
 * Hazelcast failures, a store failure and anything slower than {@link Options#timeout} fail the future with
 * a 503 {@link ApiException}; nothing is guessed. No method makes a blocking Hazelcast call except
 * {@link #start}, which does its blocking part in {@code executeBlocking}: joining the maps and topic,
 * loading revocations, and serializing one sample of each Compact type (a member's first serialization of a
 * schema waits for its cluster-wide replication, which must not happen on an event loop later).
 *
 * <h2>Changes and the stale-read guard</h2>
 * {@link #changed} replaces the cached entry with a <em>change fence</em>: a {@code Mark} with a random
 * nonce, kept for {@link Options#changeFence}. Writing it drops the value from the IMap and (invalidation
 * on change, not batched) from every member's near cache; afterwards an event on the reliable topic
 * {@value #EVENTS} makes every node drop its near-cache entry again (a second channel, should an
 * invalidation be lost) and tells the {@linkplain #addChangeListener change listeners}. A fence reads as a
 * miss.
 *
 * <p>A read-through never writes blindly: it populates with the {@code Populate} entry processor, a
 * compare-and-set on the partition that only writes if the entry is still what the lookup saw before it
 * read the store (absent, or the mark with the same nonce). Why that is enough: {@code changed} is called
 * after the store commit, so a store read that started after the lookup saw a mark, or saw nothing, can only
 * be stale with respect to a change whose fence is written after the read started; that fence is then either
 * already in the entry (the CAS fails, nothing is cached, the lookup still answers what it read, being
 * concurrent with the change) or written after the populate (and replaces it). Nonces are random per mark,
 * so a second change is never mistaken for the first. The one remaining hole, a fence that expired before
 * the populate, is closed by populating only within half the fence's lifetime of the lookup's start: the
 * lookup does not send a populate after that, and the populate (which the answer waits for only briefly,
 * {@link #POPULATE_WAIT_MILLIS}, so that a slow cache fill never delays an answer the store gave) carries
 * that deadline and does nothing when it arrives later. The deadline is read on the partition owner's clock, so a skew between nodes beyond the margin
 * (15 s by default) would weaken it; the other cross-node clock use is a tombstone's expiry
 * ({@code until}), where a skew of a few hundred milliseconds only shortens or lengthens the 5 s.
 *
 * <h2>Revocations</h2>
 * {@link #revoke} writes the store, this node's memory, the IMap {@value #REVOKED} (jti → expiry in epoch
 * milliseconds, TTL = the token's remaining life) and publishes on the topic; every node keeps a
 * {@code ConcurrentHashMap} fed by the topic and by its own revocations, so {@link #isRevoked} is a memory
 * lookup. At start a node subscribes first, then loads the IMap, then the store's active revocations (the
 * store covers a full-cluster restart), so no revocation falls between the three. Expired ones are purged
 * every {@link Options#revocationPurge}.
 *
 * <p>Callers: call {@code changed} for every record a store change touched, e.g. each credential of a
 * deleted service account (the store cascades that delete; this class cannot see it). Bindings and
 * memberships are cached as whole lists, empty ones included: a policy change must announce
 * {@link Kind#BINDINGS} for its principal, a membership change {@link Kind#MEMBERSHIPS} for its user, or
 * the old list answers until {@link Options#entryTtl} ends.
 */
public final class HazelcastAuthState implements AuthState {

  /** The IMap of service accounts (and their marks). */
  public static final String SERVICE_ACCOUNTS = "k0rdent.auth.service-accounts";
  /** The IMap of service-account credentials (and their marks). */
  public static final String CREDENTIALS = "k0rdent.auth.credentials";
  /** The IMap of API keys (and their marks). */
  public static final String API_KEYS = "k0rdent.auth.api-keys";
  /** The IMap of users (and their marks). */
  public static final String USERS = "k0rdent.auth.users";
  /** The IMap of organizations (and their marks). */
  public static final String ORGANIZATIONS = "k0rdent.auth.organizations";
  /** The IMap of projects (and their marks). */
  public static final String PROJECTS = "k0rdent.auth.projects";
  /** The IMap of custom roles as {@link RoleDefinition}s (and their marks). */
  public static final String ROLES = "k0rdent.auth.roles";
  /** The IMap of principals' bindings: principal key ({@link AuthState#principalKey}) → {@code BindingList}. */
  public static final String BINDINGS = "k0rdent.auth.bindings";
  /** The IMap of users' group memberships: user id → {@code GroupList}. */
  public static final String MEMBERSHIPS = "k0rdent.auth.memberships";
  /** The IMap of revoked jtis: jti → expiry in epoch milliseconds. */
  public static final String REVOKED = "k0rdent.auth.revoked";
  /** The reliable topic of change and revocation events. */
  public static final String EVENTS = "k0rdent.auth.events";

  public static final Duration DEFAULT_ENTRY_TTL = Duration.ofMinutes(10);
  public static final Duration DEFAULT_ABSENT_TTL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_CHANGE_FENCE = Duration.ofSeconds(30);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_USAGE_FLUSH = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REVOCATION_PURGE = Duration.ofMinutes(1);
  public static final int DEFAULT_ROLE_SET_CACHE_MAX = 100_000;

  private static final Logger LOG = LoggerFactory.getLogger(HazelcastAuthState.class);
  /** How long an answer read from the store waits for its cache fill before it is answered anyway. */
  static final long POPULATE_WAIT_MILLIS = 250;
  private static final String REVOKED_EVENT = "REVOKED";

  /**
   * Tuning; {@link #DEFAULTS} suits production.
   *
   * @param entryTtl        how long a record stays in the IMap after it was read from the store
   * @param absentTtl       how long "no such id" is cached
   * @param changeFence     how long a change fence stays; must exceed twice {@code timeout}
   * @param timeout         a lookup (cache and store) slower than this fails with 503
   * @param usageFlush      how often recorded uses are written to the store
   * @param revocationPurge how often expired revocations are dropped from memory
   * @param roleSetCacheMax role sets cached locally before the cache is cleared
   */
  public record Options(Duration entryTtl, Duration absentTtl, Duration changeFence, Duration timeout,
                        Duration usageFlush, Duration revocationPurge, int roleSetCacheMax) {

    public static final Options DEFAULTS = new Options(DEFAULT_ENTRY_TTL, DEFAULT_ABSENT_TTL, DEFAULT_CHANGE_FENCE,
        DEFAULT_TIMEOUT, DEFAULT_USAGE_FLUSH, DEFAULT_REVOCATION_PURGE, DEFAULT_ROLE_SET_CACHE_MAX);

    public Options {
      for (Duration d : List.of(entryTtl, absentTtl, changeFence, timeout, usageFlush, revocationPurge)) {
        if (d.toMillis() <= 0) {
          throw new IllegalArgumentException("durations must be at least 1 ms: " + d);
        }
      }
      if (timeout.toMillis() * 2 >= changeFence.toMillis()) {
        throw new IllegalArgumentException("changeFence must exceed twice the timeout");
      }
      if (roleSetCacheMax < 1) {
        throw new IllegalArgumentException("roleSetCacheMax must be positive");
      }
    }

    public Options withTimeout(Duration d) {
      return new Options(entryTtl, absentTtl, changeFence, d, usageFlush, revocationPurge, roleSetCacheMax);
    }

    public Options withAbsentTtl(Duration d) {
      return new Options(entryTtl, d, changeFence, timeout, usageFlush, revocationPurge, roleSetCacheMax);
    }

    public Options withUsageFlush(Duration d) {
      return new Options(entryTtl, absentTtl, changeFence, timeout, d, revocationPurge, roleSetCacheMax);
    }
  }

  /**
   * A cache entry that is not a record: a tombstone ({@code changed} false: the store has no such id, valid
   * until {@code until}, epoch ms) or a change fence ({@code changed} true: read the store). {@code nonce}
   * is random, so that two marks are never equal.
   */
  record Mark(boolean changed, long until, long nonce) {}

  /** The IMap that caches {@code kind}. */
  public static String mapName(Kind kind) {
    return switch (kind) {
      case SERVICE_ACCOUNT -> SERVICE_ACCOUNTS;
      case CREDENTIAL -> CREDENTIALS;
      case API_KEY -> API_KEYS;
      case USER -> USERS;
      case ORGANIZATION -> ORGANIZATIONS;
      case PROJECT -> PROJECTS;
      case ROLE -> ROLES;
      case BINDINGS -> BINDINGS;
      case MEMBERSHIPS -> MEMBERSHIPS;
    };
  }

  /**
   * The cached form of a principal's bindings ({@link Kind#BINDINGS}): a list is no Compact type of its own,
   * and an empty list is an answer (cached for {@link Options#entryTtl}), not a tombstone.
   */
  record BindingList(List<Binding> bindings) {
    BindingList {
      bindings = List.copyOf(bindings);
    }
  }

  /** The cached form of a user's group ids ({@link Kind#MEMBERSHIPS}); empty is an answer, as above. */
  record GroupList(List<String> groupIds) {
    GroupList {
      groupIds = List.copyOf(groupIds);
    }
  }

  /** A topic event: {@code kind} a {@link Kind} name with the changed id, or "REVOKED" with a jti and its expiry. */
  record Event(String kind, String id, long expiresAt) {}

  /**
   * The read-through's compare-and-set, run on the key's partition: stores {@code value} for
   * {@code ttlMillis} if the entry is absent or still the mark with {@code expectedNonce}, and only until
   * {@code notAfter} (epoch ms on the partition owner's clock); answers whether it did. See the class
   * comment for why this keeps stale reads out.
   */
  record Populate(Long expectedNonce, Object value, long ttlMillis, long notAfter)
      implements EntryProcessor<String, Object, Boolean> {

    @Override
    public Boolean process(Map.Entry<String, Object> entry) {
      if (System.currentTimeMillis() > notAfter) {
        return false; // arrived too late: a fence may have come and gone meanwhile
      }
      Object current = entry.getValue();
      boolean expected = current == null
          || expectedNonce != null && current instanceof Mark m && m.nonce() == expectedNonce;
      if (!expected) {
        return false;
      }
      ((ExtendedMapEntry<String, Object>) entry).setValue(value, ttlMillis, TimeUnit.MILLISECONDS);
      return true;
    }
  }

  private final Vertx vertx;
  private final Store store;
  private final Options options;
  private final Map<Kind, IMap<String, Object>> maps = new EnumMap<>(Kind.class);
  /** Each map's near cache (internal Hazelcast API), read directly on lookups; absent for maps without one. */
  private final Map<Kind, NearCache<Object, Object>> nearCaches = new EnumMap<>(Kind.class);
  private final IMap<String, Long> revokedMap;
  private final ITopic<Event> events;
  private final UUID listenerId;
  private final Map<String, Long> revoked = new ConcurrentHashMap<>();
  private final Map<String, List<String>> roleSets = new ConcurrentHashMap<>();
  private final List<BiConsumer<Kind, String>> changeListeners = new CopyOnWriteArrayList<>();
  private final UsageBatcher usage;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long usageTimer = -1;
  private volatile long purgeTimer = -1;

  /** Blocking: joins the maps and the topic and loads the revocations the cluster holds. Worker thread only. */
  private HazelcastAuthState(Vertx vertx, HazelcastInstance hz, Store store, Options options) {
    this.vertx = vertx;
    this.store = store;
    this.options = options;
    this.usage = new UsageBatcher(store);
    for (Kind kind : Kind.values()) {
      IMap<String, Object> map = hz.getMap(mapName(kind));
      maps.put(kind, map);
      if (map instanceof NearCachedMapProxyImpl<String, Object> p) {
        nearCaches.put(kind, p.getNearCache());
      }
    }
    revokedMap = hz.getMap(REVOKED);
    events = hz.getReliableTopic(EVENTS);
    registerSchemas(hz);
    // Subscribe before loading, so that a revocation is either loaded or heard.
    listenerId = events.addMessageListener(new Listener());
    try {
      loadRevokedMap();
    } catch (RuntimeException e) {
      events.removeMessageListener(listenerId);
      throw e;
    }
  }

  /**
   * Joins the cluster's auth state: the maps and topic of {@code hz} (configured by
   * {@link HazelcastSetup#configureAuth}), the revocations of the cluster and of {@code store}, and starts
   * the usage and purge timers. Fails with 503 when Hazelcast or the store cannot answer.
   */
  public static Future<HazelcastAuthState> start(Vertx vertx, HazelcastInstance hz, Store store) {
    return start(vertx, hz, store, Options.DEFAULTS);
  }

  /** As {@link #start(Vertx, HazelcastInstance, Store)} with explicit {@code options}. */
  public static Future<HazelcastAuthState> start(Vertx vertx, HazelcastInstance hz, Store store, Options options) {
    Objects.requireNonNull(options, "options");
    return vertx.<HazelcastAuthState>executeBlocking(() -> new HazelcastAuthState(vertx, hz, store, options))
        .recover(e -> Future.failedFuture(unavailable(e)))
        .compose(s -> s.loadStoredRevocations()
            .recover(e -> s.close().transform(x -> Future.failedFuture(unavailable(e))))
            .map(v -> s.startTimers()));
  }

  /**
   * Serializes one sample of every Compact type once, here on a worker thread: the first serialization of a
   * schema on a member waits until the schema is replicated to the whole cluster (a blocking join inside
   * Hazelcast), which must not happen on an event loop at the first lookup or change.
   */
  private static void registerSchemas(HazelcastInstance hz) {
    if (!(hz instanceof SerializationServiceSupport support)) {
      return;
    }
    SerializationService ss = support.getSerializationService();
    UUID uid = new UUID(0, 0);
    Instant t = Instant.EPOCH;
    ServiceAccount sa = new ServiceAccount("x", uid, "o", "c", "organization", "o", List.of("r"), "active", "d",
        "d", "c", t, t, 1);
    ServiceAccountCredential cred = new ServiceAccountCredential("x", uid, "x", "h", t, "c", t, "ip", t, t, 1);
    ApiKey key = new ApiKey("x", uid, "o", "organization", "o", List.of("r"), "active", t, "c", "user", "h", "h", t, t,
        t, "ip", "d", "d", t, t, 1);
    User user = new User("x", uid, "o", "e", "d", "active", t, t, 1);
    Organization org = new Organization("x", uid, "d", "d", t, t, 1);
    Project project = new Project("x", uid, "o", "d", "d", t, t, 1);
    RoleDefinition role = new RoleDefinition("x", "o", List.of("p"));
    BindingList bindings = new BindingList(List.of(Binding.allow("r", ScopeType.ORG, "o")));
    GroupList groups = new GroupList(List.of("g"));
    Mark mark = new Mark(false, 0, 0);
    for (Object o : List.of(sa, cred, key, user, org, project, role, bindings, groups, mark, new Event("x", "x", 0),
        new Populate(0L, mark, 1, 0))) {
      ss.toData(o);
    }
  }

  private void loadRevokedMap() {
    long now = System.currentTimeMillis();
    for (Map.Entry<String, Long> e : revokedMap.entrySet()) {
      if (e.getValue() != null && e.getValue() > now) {
        revoked.merge(e.getKey(), e.getValue(), Math::max);
      }
    }
  }

  private Future<Void> loadStoredRevocations() {
    return store.revocations().active(Instant.now()).map(m -> {
      m.forEach((jti, exp) -> revoked.merge(jti, exp.toEpochMilli(), Math::max));
      return null;
    });
  }

  private HazelcastAuthState startTimers() {
    usageTimer = vertx.setPeriodic(options.usageFlush().toMillis(), id -> usage.flush()
        .onFailure(e -> LOG.warn("writing credential usage failed: {}", e.toString())));
    purgeTimer = vertx.setPeriodic(options.revocationPurge().toMillis(), id -> purgeRevocations());
    return this;
  }

  private void purgeRevocations() {
    long now = System.currentTimeMillis();
    revoked.values().removeIf(exp -> exp <= now);
  }

  /**
   * Calls {@code listener} with the kind and id of every change any node announces (this one's too: first
   * synchronously in {@link #changed}, again when its topic event arrives), on a Hazelcast thread for
   * others' changes: for components holding state derived from a record (drop it there, do not block).
   */
  @Override
  public void addChangeListener(BiConsumer<Kind, String> listener) {
    changeListeners.add(Objects.requireNonNull(listener));
  }

  // ---- lookups ---------------------------------------------------------------------------------------------

  @Override
  public Future<ServiceAccount> serviceAccount(String id) {
    return lookup(Kind.SERVICE_ACCOUNT, id, ServiceAccount.class);
  }

  @Override
  public Future<ServiceAccountCredential> credential(String id) {
    return lookup(Kind.CREDENTIAL, id, ServiceAccountCredential.class);
  }

  @Override
  public Future<ApiKey> apiKey(String id) {
    return lookup(Kind.API_KEY, id, ApiKey.class);
  }

  private <T> Future<T> lookup(Kind kind, String id, Class<T> type) {
    if (id == null || id.isEmpty()) {
      return Future.succeededFuture();
    }
    // The near cache first, directly: the common case, without getAsync's future (~7 % of an /auth/check).
    NearCache<Object, Object> near = nearCaches.get(kind);
    if (near != null) {
      Object local = near.get(id);
      if (local != null && local != NearCache.NOT_CACHED && local != NearCache.CACHED_AS_NULL
          && !(local instanceof com.hazelcast.internal.serialization.Data)) {
        Future<T> hit = hit(local, type);
        if (hit != null) {
          return hit;
        }
      }
    }
    long started = System.nanoTime();
    CompletableFuture<Object> cached;
    try {
      cached = maps.get(kind).getAsync(id).toCompletableFuture();
    } catch (RuntimeException e) {
      return Future.failedFuture(unavailable(e));
    }
    if (cached.isDone()) {
      // A near-cache hit: answered on this thread, no context switch.
      Object seen;
      try {
        seen = cached.getNow(null);
      } catch (RuntimeException e) {
        return Future.failedFuture(unavailable(e));
      }
      Future<T> hit = hit(seen, type);
      return hit != null ? hit : bounded(readThrough(kind, id, type, seen, started));
    }
    return bounded(onContext(cached).compose(seen -> {
      Future<T> hit = hit(seen, type);
      return hit != null ? hit : readThrough(kind, id, type, seen, started);
    }));
  }

  /** The answer for a cached entry, or null when it is a miss (absent, an expired tombstone, a fence). */
  private static <T> Future<T> hit(Object seen, Class<T> type) {
    if (type.isInstance(seen)) {
      return Future.succeededFuture(type.cast(seen));
    }
    if (seen instanceof Mark m && !m.changed() && m.until() > System.currentTimeMillis()) {
      return Future.succeededFuture();
    }
    return null;
  }

  private <T> Future<T> readThrough(Kind kind, String id, Class<T> type, Object seen, long started) {
    Long expectedNonce = seen instanceof Mark m ? m.nonce() : null;
    return storeGet(kind, id).compose(found -> {
      T answer = type.cast(found);
      long margin = options.changeFence().toMillis() / 2 - (System.nanoTime() - started) / 1_000_000;
      if (margin <= 0) {
        return Future.succeededFuture(answer); // too late to cache safely: a fence may have come and gone
      }
      long ttl = found != null ? options.entryTtl().toMillis() : options.absentTtl().toMillis();
      Object entry = found != null ? found : new Mark(false, System.currentTimeMillis() + ttl, nonce());
      // The store answered: that is the answer. It waits for the cache fill (normally well under a
      // millisecond, so that the caller's next lookup is a hit) at most POPULATE_WAIT: a slow or failed
      // fill (a busy partition owner, a migration) never delays the answer further nor turns it into a 503.
      Promise<T> answered = Promise.promise();
      try {
        Populate populate = new Populate(expectedNonce, entry, ttl, System.currentTimeMillis() + margin);
        long timer = vertx.setTimer(POPULATE_WAIT_MILLIS, t -> answered.tryComplete(answer));
        onContext(maps.get(kind).submitToKey(id, populate)).onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.failed()) {
            LOG.debug("caching {} {} failed: {}", kind, id, ar.cause().toString());
          }
          answered.tryComplete(answer);
        });
      } catch (RuntimeException e) {
        LOG.debug("caching {} {} failed: {}", kind, id, e.toString());
        answered.tryComplete(answer);
      }
      return answered.future();
    });
  }

  private Future<Object> storeGet(Kind kind, String id) {
    Future<?> f = switch (kind) {
      case SERVICE_ACCOUNT -> store.serviceAccounts().get(id);
      case CREDENTIAL -> store.credentials().get(id);
      case API_KEY -> store.apiKeys().get(id);
      case USER -> store.users().get(id);
      case ORGANIZATION -> store.organizations().get(id);
      case PROJECT -> store.projects().get(id);
      case ROLE -> GrantInputs.customRole(store, id);
      case BINDINGS -> GrantInputs.bindings(store, principalOf(id)).map(BindingList::new);
      case MEMBERSHIPS -> store.groupMembers().groupsOf(id).map(GroupList::new);
    };
    return f.<Object>map(x -> x).recover(e -> e instanceof ApiException a && a.status() == 404
        ? Future.succeededFuture() : Future.failedFuture(unavailable(e)));
  }

  /** The principal of a {@link Kind#BINDINGS} key ({@link AuthState#principalKey}: {@code type:id}). */
  private static PrincipalRef principalOf(String key) {
    int colon = key.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("not a principal key: " + key);
    }
    return new PrincipalRef(key.substring(0, colon), key.substring(colon + 1));
  }

  // ---- changes ---------------------------------------------------------------------------------------------

  @Override
  public Future<Void> changed(Kind kind, String id) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    long fence = options.changeFence().toMillis();
    Future<Void> written;
    try {
      written = onContext(maps.get(kind).setAsync(id, new Mark(true, System.currentTimeMillis() + fence, nonce()),
          fence, TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      written = Future.failedFuture(e);
    }
    // The topic after the map: a node that drops its near-cache entry on the event re-reads the fence.
    return bounded(written.compose(v -> {
      notifyListeners(kind, id); // this node never answers from what it derived before the change
      return publish(new Event(kind.name(), id, 0));
    })
        .recover(e -> Future.failedFuture(unavailable(e))));
  }

  private Future<Void> publish(Event event) {
    try {
      return onContext(events.publishAsync(event));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Drops this member's near-cache entry (internal Hazelcast API; a no-op when the map has no near cache). */
  private void dropNearCacheEntry(Kind kind, String id) {
    if (maps.get(kind) instanceof NearCachedMapProxyImpl<String, Object> p) {
      p.getNearCache().invalidate(id);
    }
  }

  private void notifyListeners(Kind kind, String id) {
    for (BiConsumer<Kind, String> l : changeListeners) {
      try {
        l.accept(kind, id);
      } catch (RuntimeException ex) {
        LOG.warn("auth change listener failed: {}", ex.toString());
      }
    }
  }

  // ---- grants' inputs ------------------------------------------------------------------------------------

  @Override
  public Future<User> user(String id) {
    return lookup(Kind.USER, id, User.class);
  }

  @Override
  public Future<Organization> organization(String id) {
    return lookup(Kind.ORGANIZATION, id, Organization.class);
  }

  @Override
  public Future<Project> project(String id) {
    return lookup(Kind.PROJECT, id, Project.class);
  }

  @Override
  public Future<RoleDefinition> customRole(String id) {
    return lookup(Kind.ROLE, id, RoleDefinition.class);
  }

  @Override
  public Future<List<Binding>> bindings(PrincipalRef p) {
    if (p == null || p.type() == null || p.id() == null) {
      return Future.succeededFuture(List.of());
    }
    return unwrap(lookup(Kind.BINDINGS, AuthState.principalKey(p), BindingList.class), BindingList::bindings);
  }

  @Override
  public Future<List<String>> groupsOf(String userId) {
    return unwrap(lookup(Kind.MEMBERSHIPS, userId, GroupList.class), GroupList::groupIds);
  }

  /** The list inside a cached wrapper; empty for none. A completed lookup (a near-cache hit) stays synchronous. */
  private static <W, T> Future<List<T>> unwrap(Future<W> wrapped, Function<W, List<T>> list) {
    if (wrapped.succeeded()) {
      W w = wrapped.result();
      return Future.succeededFuture(w == null ? List.of() : list.apply(w));
    }
    return wrapped.map(w -> w == null ? List.<T>of() : list.apply(w));
  }

  // ---- revocations -----------------------------------------------------------------------------------------

  @Override
  public Instant revokedUntil(String key) {
    Long exp = key == null ? null : revoked.get(key);
    return exp != null && exp > System.currentTimeMillis() ? Instant.ofEpochMilli(exp) : null;
  }

  @Override
  public Future<Void> revoke(String jti, Instant expiresAt) {
    Objects.requireNonNull(jti, "jti");
    long exp = expiresAt.toEpochMilli();
    if (exp <= System.currentTimeMillis()) {
      return Future.succeededFuture(); // expired already: refused anyway, nothing to remember
    }
    Future<Void> stored = store.revocations().revoke(jti, expiresAt)
        .recover(e -> Future.failedFuture(unavailable(e)));
    return bounded(stored.compose(v -> {
      long until = revoked.merge(jti, exp, Math::max);
      long ttl = until - System.currentTimeMillis();
      if (ttl <= 0) {
        return Future.<Void>succeededFuture();
      }
      Future<Void> put;
      try {
        put = onContext(revokedMap.setAsync(jti, until, ttl, TimeUnit.MILLISECONDS));
      } catch (RuntimeException e) {
        put = Future.failedFuture(e);
      }
      return put.compose(x -> publish(new Event(REVOKED_EVENT, jti, until)))
          .recover(e -> Future.failedFuture(unavailable(e)));
    }));
  }

  /** After lost topic messages: reloads the cluster's revocations (blocking part on a worker). */
  private void resyncRevocations() {
    if (closed.get()) {
      return;
    }
    vertx.executeBlocking(() -> {
      loadRevokedMap();
      return null;
    }).onFailure(e -> LOG.warn("reloading revocations failed: {}", e.toString()));
  }

  private final class Listener implements ReliableMessageListener<Event> {
    private long lastSequence = -1;

    @Override
    public void onMessage(Message<Event> message) {
      Event e = message.getMessageObject();
      if (REVOKED_EVENT.equals(e.kind())) {
        revoked.merge(e.id(), e.expiresAt(), Math::max);
        return;
      }
      Kind kind;
      try {
        kind = Kind.valueOf(e.kind());
      } catch (IllegalArgumentException unknown) {
        LOG.debug("ignoring auth event of kind {}", e.kind());
        return;
      }
      dropNearCacheEntry(kind, e.id());
      notifyListeners(kind, e.id());
    }

    @Override
    public long retrieveInitialSequence() {
      return -1; // from the next message on
    }

    @Override
    public void storeSequence(long sequence) {
      if (lastSequence >= 0 && sequence > lastSequence + 1) {
        LOG.warn("lost {} auth events; reloading revocations", sequence - lastSequence - 1);
        resyncRevocations();
      }
      lastSequence = sequence;
    }

    @Override
    public boolean isLossTolerant() {
      return true;
    }

    @Override
    public boolean isTerminal(Throwable failure) {
      return false;
    }
  }

  // ---- role sets -------------------------------------------------------------------------------------------

  @Override
  public Future<String> roleSetId(Collection<String> roles) {
    String id = RoleSets.idOf(roles);
    if (id.equals(RoleSets.EMPTY) || roleSets.containsKey(id)) {
      return Future.succeededFuture(id);
    }
    List<String> sorted = RoleSets.normalize(roles);
    return bounded(store.roleSets().put(id, sorted).map(v -> {
      remember(id, sorted);
      return id;
    }));
  }

  @Override
  public Future<List<String>> roleSet(String id) {
    if (RoleSets.EMPTY.equals(id)) {
      return Future.succeededFuture(List.of());
    }
    if (id == null) {
      return Future.succeededFuture();
    }
    List<String> known = roleSets.get(id);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return bounded(store.roleSets().get(id).map(o -> {
      o.ifPresent(r -> remember(id, r));
      return o.orElse(null);
    }));
  }

  private void remember(String id, List<String> roles) {
    if (roleSets.size() >= options.roleSetCacheMax()) {
      roleSets.clear(); // immutable entries: a cleared cache only costs re-reads
    }
    roleSets.put(id, List.copyOf(roles));
  }

  // ---- usage, close ----------------------------------------------------------------------------------------

  @Override
  public void recordUse(Kind kind, String id, Instant at, String ip) {
    usage.record(kind, id, at, ip);
  }

  @Override
  public Future<Void> close() {
    if (!closed.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(usageTimer);
    vertx.cancelTimer(purgeTimer);
    try {
      events.removeMessageListener(listenerId); // local: cancels this member's reader
    } catch (RuntimeException e) {
      LOG.debug("removing the auth event listener: {}", e.toString());
    }
    return usage.flush();
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private static long nonce() {
    return ThreadLocalRandom.current().nextLong();
  }

  /** The 503 for {@code failure}; a 503 ApiException stays as it is. */
  static ApiException unavailable(Throwable failure) {
    Throwable e = failure;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ApiException a && a.status() == 503) {
      return a;
    }
    warnUnavailable(e);
    return ApiException.unavailable("the auth state cannot be read right now; retry");
  }

  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final AtomicLong LAST_WARN =
      new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private static final AtomicLong SUPPRESSED = new AtomicLong();

  /**
   * Failing closed is an operator's concern: the cause at WARN, at most once per 10 s (with how many were
   * not logged since), the rest at debug, so that an outage does not flood the log.
   */
  private static void warnUnavailable(Throwable e) {
    long now = System.nanoTime();
    long last = LAST_WARN.get();
    if (now - last >= WARN_EVERY_NANOS && LAST_WARN.compareAndSet(last, now)) {
      LOG.warn("auth state unavailable, answering 503 ({} more since the last warning): {}",
          SUPPRESSED.getAndSet(0), e.toString());
    } else {
      SUPPRESSED.incrementAndGet();
      LOG.debug("auth state unavailable", e);
    }
  }

  /**
   * A Hazelcast future as a Vert.x one whose callbacks run on the calling context (when there is one); a
   * completed one is answered at once.
   */
  private static <T> Future<T> onContext(CompletionStage<T> stage) {
    CompletableFuture<T> cf = stage.toCompletableFuture();
    if (cf.isDone()) {
      try {
        return Future.succeededFuture(cf.getNow(null));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    Context ctx = Vertx.currentContext();
    Promise<T> p = Promise.promise();
    cf.whenComplete((v, e) -> {
      if (ctx == null) {
        complete(p, v, e);
      } else {
        ctx.runOnContext(x -> complete(p, v, e));
      }
    });
    return p.future();
  }

  private static <T> void complete(Promise<T> p, T value, Throwable failure) {
    if (failure == null) {
      p.tryComplete(value);
    } else {
      p.tryFail(failure);
    }
  }

  /**
   * {@code work}, failing with 503 after {@link Options#timeout}, completed on the calling context. Failures
   * that are not already 503 ApiExceptions become one.
   */
  private <T> Future<T> bounded(Future<T> work) {
    if (work.isComplete()) {
      return work.failed() ? Future.failedFuture(unavailable(work.cause())) : work;
    }
    Context ctx = Vertx.currentContext();
    Promise<T> p = Promise.promise();
    long timer = vertx.setTimer(options.timeout().toMillis(), t -> {
      if (p.tryFail(ApiException.unavailable("the auth state did not answer in time; retry"))) {
        warnUnavailable(new TimeoutException("no answer within " + options.timeout().toMillis()
            + " ms"));
      }
    });
    work.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ctx == null || ctx == Vertx.currentContext()) {
        settle(p, ar);
      } else {
        ctx.runOnContext(x -> settle(p, ar));
      }
    });
    return p.future();
  }

  private static <T> void settle(Promise<T> p, AsyncResult<T> ar) {
    if (ar.succeeded()) {
      p.tryComplete(ar.result());
    } else {
      p.tryFail(unavailable(ar.cause()));
    }
  }
}
