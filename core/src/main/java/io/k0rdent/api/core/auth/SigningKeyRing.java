package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.SettingsStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's signing keys: the latest {@link SigningKeys} snapshot of the key set kept in the store
 * (settings value {@value #SETTING}), swapped atomically when the set changes. Thread-safe; share one per
 * process. Thread-confined users (JWT signers and verifiers, one per event loop) compare the snapshot they
 * were built from with {@link #keys()} (identity) and rebuild when it changed.
 *
 * <p>Rotation ({@link #rotate()}) adds a fresh key as current and retires every older key at
 * {@code now + tokenTtl + }{@link #RETIREMENT_MARGIN}: the last token an old key signed has expired by
 * then. It is a compare-and-set on the stored value, retried when another node changed it first, so
 * concurrent rotations on several nodes all take effect and none is lost. After a rotation the ring
 * announces it (once {@link #attach attached}: on the clustered event bus, address
 * {@value #CHANGED_ADDRESS}); every node then reloads the set from the store. The message carries no key:
 * keys only ever come from the store, never from a message or a token ({@code jku}, {@code kid}).
 *
 * <p>Retired keys leave the snapshot at their {@code retireAfter} (checked on every {@link #keys()}), and
 * the store at the next reload or rotation.
 */
public final class SigningKeyRing {

  private static final Logger LOG = LoggerFactory.getLogger(SigningKeyRing.class);

  /** The settings name of the stored key set. */
  public static final String SETTING = "jwt.signing-keys";
  /** The settings name of the former single key; migrated into {@value #SETTING} at start, left in place. */
  public static final String LEGACY_SETTING = "jwt.signing-key";
  /** The event-bus address on which a change of the key set is announced (body: the new version). */
  public static final String CHANGED_ADDRESS = "k0rdent.keys.changed";
  /**
   * Added to the token lifetime before a superseded key is retired: covers clock skew between nodes and
   * the time until every node stops signing with the old key (about a second over the event bus, at most
   * {@link #RELOAD_INTERVAL} when the rotation was not announced, as after {@code keys rotate}).
   */
  public static final Duration RETIREMENT_MARGIN = Duration.ofSeconds(30);
  /** How often an attached ring reloads the set from the store, announced or not. */
  public static final Duration RELOAD_INTERVAL = Duration.ofSeconds(10);
  /** Compare-and-set attempts of one rotation before it gives up (503). */
  static final int MAX_ATTEMPTS = 8;

  private final SettingsStore settings;
  private final Duration retireIn;
  private final Supplier<Instant> clock;
  private volatile SigningKeys keys;
  private volatile Consumer<SigningKeys> announcer = k -> {};

  private SigningKeyRing(SettingsStore settings, Duration retireIn, Supplier<Instant> clock, SigningKeys keys) {
    this.settings = settings;
    this.retireIn = retireIn;
    this.clock = clock;
    this.keys = keys;
  }

  /** A ring over fixed keys, with no store: it never changes, and {@link #rotate()} fails. For tests and tools. */
  public static SigningKeyRing fixed(SigningKeys keys) {
    return new SigningKeyRing(null, Duration.ZERO, Instant::now, keys);
  }

  /**
   * The stored key set, created when none is: from the former single-key setting {@value #LEGACY_SETTING}
   * when there is one, else a fresh key. Nodes opening at once on an empty store agree (first writer wins).
   * Retired keys are dropped.
   *
   * @param tokenTtl the access-token lifetime; superseded keys are retired {@code tokenTtl +}
   *                 {@link #RETIREMENT_MARGIN} after a rotation
   * @return the ring; fails when the store fails, or with {@link IllegalArgumentException} when the stored
   *     value is unreadable
   */
  public static Future<SigningKeyRing> open(SettingsStore settings, Duration tokenTtl) {
    return open(settings, tokenTtl, Instant::now);
  }

  /** As {@link #open(SettingsStore, Duration)}, with the clock that decides rotation and retirement times. */
  public static Future<SigningKeyRing> open(SettingsStore settings, Duration tokenTtl, Supplier<Instant> clock) {
    Duration retireIn = tokenTtl.plus(RETIREMENT_MARGIN);
    return settings.get(SETTING)
        .compose(found -> found.isPresent() ? Future.succeededFuture(found.get())
            : settings.get(LEGACY_SETTING).compose(legacy -> {
              Instant now = clock.get();
              SigningKeys initial = legacy.isPresent()
                  ? SigningKeys.fromLegacyJwk(legacy.get(), now) : SigningKeys.generate(now);
              String json = initial.toStoredJson();
              return settings.getOrCreate(SETTING, () -> json);
            }))
        .compose(stored -> {
          SigningKeyRing ring = new SigningKeyRing(settings, retireIn, clock, SigningKeys.parse(stored));
          return ring.adopt(stored).map(k -> ring);
        });
  }

  /**
   * The current snapshot: {@link SigningKeys#current()} signs, {@link SigningKeys#all()} verify. Keys whose
   * {@code retireAfter} has passed are already left out.
   */
  public SigningKeys keys() {
    SigningKeys k = keys;
    if (k.nextRetirementMillis() != Long.MAX_VALUE) {
      Instant now = clock.get();
      if (now.toEpochMilli() >= k.nextRetirementMillis()) {
        swap(k.withoutRetired(now));
        k = keys;
      }
    }
    return k;
  }

  /** The version of the current snapshot ({@link SigningKeys#version()}). */
  public long version() {
    return keys().version();
  }

  /** How long after a rotation the superseded keys stay published: token lifetime + {@link #RETIREMENT_MARGIN}. */
  public Duration retirementDelay() {
    return retireIn;
  }

  /**
   * Reads the stored set and adopts it when it is newer than the current snapshot; drops retired keys
   * from the store (compare-and-set; when another node changed it meanwhile, its change is read at the
   * next reload). Never fails for an unreadable or missing value (the current snapshot stays; logged);
   * fails when the store fails.
   */
  public Future<SigningKeys> reload() {
    if (settings == null) {
      return Future.succeededFuture(keys());
    }
    return settings.get(SETTING).compose(stored -> {
      if (stored.isEmpty()) {
        LOG.warn("no stored signing keys ({}); keeping the ones in memory", SETTING);
        return Future.succeededFuture(keys());
      }
      return adopt(stored.get());
    }).recover(e -> {
      if (e instanceof IllegalArgumentException) {
        LOG.error("the stored signing keys are unreadable; keeping the ones in memory: {}", e.getMessage());
        return Future.succeededFuture(keys());
      }
      return Future.failedFuture(e);
    });
  }

  private Future<SigningKeys> adopt(String stored) {
    SigningKeys loaded = SigningKeys.parse(stored);
    SigningKeys live = loaded.withoutRetired(clock.get());
    swap(live);
    if (live == loaded) {
      return Future.succeededFuture(keys());
    }
    return settings.compareAndSet(SETTING, stored, live.toStoredJson())
        .recover(e -> {
          LOG.warn("could not drop retired signing keys from the store (next reload retries): {}", e.toString());
          return Future.succeededFuture(false);
        })
        .map(done -> keys());
  }

  /** Keys published at most (current + retiring); a rotation beyond is refused with 409. */
  public static final int MAX_PUBLISHED = 5;

  /**
   * Adds a freshly generated key as current; every older key that was not retiring yet retires at
   * {@code now + }{@link #retirementDelay()}; retired keys are dropped. Stored by compare-and-set (retried
   * when another node changed the set first), adopted here, then announced.
   *
   * @return the new snapshot; fails 503 {@link ApiException} after {@value #MAX_ATTEMPTS} lost races, like the
   *     store when it fails, 409 when {@value #MAX_PUBLISHED} keys are already published, and with
   *     {@link IllegalStateException} on a {@link #fixed} ring
   */
  public Future<SigningKeys> rotate() {
    return rotate(null);
  }

  /**
   * {@link #rotate()} that stores {@code event}'s change of the new keys in the same transaction as the keys (the
   * rotation's audit event); null for none.
   */
  public Future<SigningKeys> rotate(java.util.function.Function<SigningKeys, ChangeEvents.Change> event) {
    if (settings == null) {
      return Future.failedFuture(new IllegalStateException("fixed signing keys cannot be rotated"));
    }
    return rotate(1, event);
  }

  private Future<SigningKeys> rotate(int attempt, java.util.function.Function<SigningKeys, ChangeEvents.Change> event) {
    return settings.get(SETTING).compose(stored -> {
      SigningKeys base = stored.map(SigningKeys::parse).orElseGet(this::keys);
      if (base.withoutRetired(clock.get()).all().size() >= MAX_PUBLISHED) {
        // every rotation keeps the superseded keys published for a token lifetime: bound the JWK Set
        return Future.failedFuture(ApiException.conflict("FAILED_PRECONDITION", MAX_PUBLISHED
            + " signing keys are still published; rotate again once older ones have retired"));
      }
      SigningKeys next = base.rotated(clock.get(), retireIn);
      String expected = stored.orElse(null);
      Future<Boolean> stored2 = event == null ? settings.compareAndSet(SETTING, expected, next.toStoredJson())
          : settings.compareAndSet(SETTING, expected, next.toStoredJson(), event.apply(next));
      return stored2.compose(won -> {
        if (won) {
          swap(next);
          LOG.info("signing key rotated: {} signs now (version {}); superseded keys retire {} from now",
              next.current().getKeyID(), next.version(), retireIn);
          announce(next);
          return Future.succeededFuture(next);
        }
        if (attempt >= MAX_ATTEMPTS) {
          return Future.failedFuture(ApiException.unavailable(
              "the signing keys kept changing concurrently; retry the rotation"));
        }
        return rotate(attempt + 1, event);
      });
    });
  }

  private void announce(SigningKeys next) {
    try {
      announcer.accept(next);
    } catch (RuntimeException e) {
      LOG.warn("could not announce the key rotation (nodes pick it up at their next reload): {}", e.toString());
    }
  }

  /** Adopts {@code next} when it is newer than the current snapshot. */
  private synchronized void swap(SigningKeys next) {
    SigningKeys cur = keys;
    if (cur != next && cur.isOlderThan(next)) {
      keys = next;
    }
  }

  /**
   * Keeps this ring in step with the cluster on {@code vertx}: reloads when a change is announced on
   * {@value #CHANGED_ADDRESS} (by any node, this one included) and every {@code reloadEvery}; announces its
   * own rotations there. Timer and consumer end with {@code vertx}. Call once.
   */
  private final java.util.concurrent.atomic.AtomicLong lastUnknownKeyReload = new java.util.concurrent.atomic.AtomicLong();

  /**
   * A reload because a token named a key this node does not hold (another node or the command line may
   * have rotated a moment ago): at most one per second per process, so tokens with made-up {@code kid}s
   * cannot drive load; otherwise answers the keys in memory. Keys still come only from the store.
   */
  public Future<SigningKeys> reloadForUnknownKey() {
    long now = System.nanoTime();
    long last = lastUnknownKeyReload.get();
    if (last != 0 && now - last < 1_000_000_000L || !lastUnknownKeyReload.compareAndSet(last, now)) {
      return Future.succeededFuture(keys());
    }
    return reload();
  }

  public void attach(Vertx vertx, Duration reloadEvery) {
    Runnable reload = () -> reload().onFailure(e -> LOG.warn("reloading the signing keys failed: {}", e.toString()));
    vertx.eventBus().<Long>consumer(CHANGED_ADDRESS, m -> reload.run());
    vertx.setPeriodic(reloadEvery.toMillis(), id -> reload.run());
    this.announcer = k -> vertx.eventBus().publish(CHANGED_ADDRESS, k.version());
  }
}
