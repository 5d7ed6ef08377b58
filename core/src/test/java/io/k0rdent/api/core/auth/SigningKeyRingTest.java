package io.k0rdent.api.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.SettingsStore;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The shared key ring over a real (in-memory) settings store, several rings standing for several nodes:
 * creation and migration at start, compare-and-set rotation under races, reload, retirement on time and
 * from the store, announcement over the event bus, and verifiers that follow the ring.
 */
class SigningKeyRingTest {

  static final Duration TTL = Duration.ofSeconds(900);
  final SettingsStore settings = new InMemoryStore().settings();
  final AtomicReference<Instant> clock = new AtomicReference<>(Instant.parse("2025-11-29T12:00:00Z"));
  final Supplier<Instant> now = clock::get;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  SigningKeyRing open() throws Exception {
    return await(SigningKeyRing.open(settings, TTL, now));
  }

  SigningKeys stored() throws Exception {
    return SigningKeys.parse(await(settings.get(SigningKeyRing.SETTING)).orElseThrow());
  }

  static String token(SigningKeys keys) {
    return new AccessTokenIssuer(keys, "http://t", "aud", Duration.ofSeconds(600)).issue(new AccessTokenIssuer.Claims(
        "sa@x", PrincipalType.SERVICE_ACCOUNT, "sa@x", "org", "organization", "org", "cred-x", RoleSets.EMPTY),
        Instant.now()).token();
  }

  static String kidOf(String jwt) {
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[0]))).getString("kid");
  }

  @Test
  void nodesOpeningTogetherOnAnEmptyStoreAgreeOnOneKey() throws Exception {
    List<Future<SigningKeyRing>> opening = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      opening.add(SigningKeyRing.open(settings, TTL, now));
    }
    Set<String> kids = new HashSet<>();
    for (Future<SigningKeyRing> f : opening) {
      kids.add(await(f).keys().current().getKeyID());
    }
    assertThat(kids).hasSize(1);
    assertThat(stored().current().getKeyID()).isEqualTo(kids.iterator().next());
    assertThat(stored().version()).isEqualTo(1);
    assertThat(await(settings.get(SigningKeyRing.LEGACY_SETTING))).isEmpty();
  }

  @Test
  void theFormerSingleKeyIsMigratedAndLeftInPlace() throws Exception {
    String legacy = SigningKeys.generateJwk();
    await(settings.put(SigningKeyRing.LEGACY_SETTING, legacy));
    SigningKeyRing a = open();
    SigningKeyRing b = open();
    String kid = ECKey.parse(legacy).getKeyID();
    assertThat(a.keys().current().getKeyID()).isEqualTo(kid);
    assertThat(b.keys().current().getKeyID()).isEqualTo(kid);
    assertThat(stored().kids()).containsExactly(kid);
    assertThat(await(settings.get(SigningKeyRing.LEGACY_SETTING))).as("older nodes of a rolling upgrade read it")
        .contains(legacy);
    String before = token(SigningKeys.fromJwks(List.of(legacy)));
    ActiveTokens tokens = new ActiveTokens(a, "http://t", "aud", null, null, 100);
    assertThat(tokens.claims(before, Instant.now()).subject()).as("tokens of the former key stay valid").isEqualTo("sa@x");
  }

  @Test
  void rotationAddsAKeyThatOtherNodesAdoptOnReloadWhileOldTokensStayValid() throws Exception {
    SigningKeyRing a = open();
    SigningKeyRing b = open();
    ActiveTokens onB = new ActiveTokens(b, "http://t", "aud", null, null, 100);
    SigningKeys v1 = a.keys();
    String old = token(v1);
    assertThat(onB.claims(old, Instant.now()).subject()).isEqualTo("sa@x");

    SigningKeys v2 = await(a.rotate());
    assertThat(a.keys()).isSameAs(v2);
    assertThat(a.version()).isEqualTo(2);
    assertThat(v2.kids()).containsExactly(v1.current().getKeyID(), v2.current().getKeyID());
    assertThat(stored().toStoredJson()).isEqualTo(v2.toStoredJson());
    assertThat(v2.entries().get(0).retireAfter()).isEqualTo(clock.get().plus(TTL).plusSeconds(30));
    assertThat(a.retirementDelay()).isEqualTo(TTL.plusSeconds(30));

    String fresh = token(a.keys());
    assertThat(kidOf(fresh)).isEqualTo(v2.current().getKeyID());
    assertThat(b.keys().current().getKeyID()).as("not announced, not reloaded yet").isEqualTo(v1.current().getKeyID());
    assertThatThrownBy(() -> onB.claims(fresh, Instant.now())).isInstanceOf(ApiException.class);
    await(b.reload());
    assertThat(b.keys().current().getKeyID()).isEqualTo(v2.current().getKeyID());
    assertThat(onB.claims(fresh, Instant.now()).subject()).as("the verifier follows the ring").isEqualTo("sa@x");
    assertThat(onB.claims(old, Instant.now()).subject()).as("the old key still verifies").isEqualTo("sa@x");
  }

  @Test
  void concurrentRotationsOnSeveralNodesAllTakeEffect() throws Exception {
    List<SigningKeyRing> nodes = List.of(open(), open(), open(), open());
    List<Future<SigningKeys>> rotations = new ArrayList<>();
    for (SigningKeyRing n : nodes) {
      rotations.add(n.rotate());
    }
    Set<String> newKids = new HashSet<>();
    for (Future<SigningKeys> f : rotations) {
      newKids.add(await(f).current().getKeyID());
    }
    assertThat(newKids).hasSize(4);
    SigningKeys end = stored();
    assertThat(end.version()).isEqualTo(5);
    assertThat(end.kids()).hasSize(5).containsAll(newKids);
  }

  @Test
  void aTokenFromAKeyRotatedElsewhereIsAcceptedAtOnce() throws Exception {
    // node A has not heard of the rotation (no announcement, as after `keys rotate` on the command line)
    SigningKeyRing a = open();
    SigningKeyRing b = open();
    Vertx vertx = Vertx.vertx();
    try {
      InMemoryStore store = new InMemoryStore();
      SecretHasher hasher = new SecretHasher(Secrets.randomBytes());
      ClientRegistry clients = new ClientRegistry();
      clients.register(new ClientRegistry.Client("sa@x", hasher.hash("s"), "sa@x", PrincipalType.SERVICE_ACCOUNT,
          "org", "organization", "org", "cred-x", List.of()));
      DirectAuthState state = new DirectAuthState(vertx, store, 60_000);
      ActiveTokens onA = new ActiveTokens(a, "http://t", "aud", new CredentialChecks(state, clients, hasher), state, 100);
      SigningKeys rotated = await(b.rotate());
      String fresh = new AccessTokenIssuer(rotated, "http://t", "aud", Duration.ofSeconds(600)).issue(
          new AccessTokenIssuer.Claims("sa@x", PrincipalType.SERVICE_ACCOUNT, "sa@x", "org", "organization", "org",
              "cred-x", RoleSets.EMPTY), Instant.now()).token();
      assertThat(await(onA.check(fresh, Instant.now())).subject()).isEqualTo("sa@x");
      assertThat(a.keys().current().getKeyID()).isEqualTo(rotated.current().getKeyID());
      // a made-up kid costs at most one reload a second and is refused
      String forged = fresh.replaceFirst("^[^.]+", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
          "{\"kid\":\"nope\",\"typ\":\"at+jwt\",\"alg\":\"ES256\"}".getBytes()));
      ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> await(onA.check(forged, Instant.now())));
      assertThat(((ApiException) refused.getCause()).status()).isEqualTo(401);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void thePublishedKeySetIsBounded() throws Exception {
    SigningKeyRing ring = open();
    for (int i = 1; i < SigningKeyRing.MAX_PUBLISHED; i++) {
      await(ring.rotate());
    }
    assertThat(stored().kids()).hasSize(SigningKeyRing.MAX_PUBLISHED);
    ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> await(ring.rotate()));
    assertThat(refused.getCause()).isInstanceOf(io.k0rdent.api.core.error.ApiException.class);
    assertThat(((io.k0rdent.api.core.error.ApiException) refused.getCause()).status()).isEqualTo(409);
    clock.set(clock.get().plus(TTL).plusSeconds(60)); // the superseded keys have retired
    assertThat(await(ring.rotate()).kids()).hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void aRotationThatKeepsLosingTheRaceGivesUpWith503() throws Exception {
    SigningKeyRing ring = await(SigningKeyRing.open(new LosingSettings(settings), TTL, now));
    ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> await(ring.rotate()));
    assertThat(failed.getCause()).isInstanceOf(ApiException.class);
    assertThat(((ApiException) failed.getCause()).status()).isEqualTo(503);
    assertThat(ring.version()).isEqualTo(1);
    assertThatThrownBy(() -> await(SigningKeyRing.fixed(ring.keys()).rotate()))
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void retiredKeysLeaveOnTimeThenLeaveTheStore() throws Exception {
    SigningKeyRing ring = open();
    ActiveTokens tokens = new ActiveTokens(ring, "http://t", "aud", null, null, 100);
    String old = token(ring.keys());
    String oldKid = kidOf(old);
    assertThat(tokens.claims(old, Instant.now()).subject()).isEqualTo("sa@x"); // now remembered as verified
    SigningKeys v2 = await(ring.rotate());
    assertThat(tokens.claims(old, Instant.now()).subject()).as("a new key alone keeps old tokens").isEqualTo("sa@x");

    clock.set(clock.get().plus(TTL).plusSeconds(29));
    assertThat(ring.keys()).isSameAs(v2);
    clock.set(clock.get().plusSeconds(1));
    assertThat(ring.keys().kids()).as("retired on time, without a reload").containsExactly(v2.current().getKeyID());
    assertThat(ring.keys().version()).isEqualTo(2);
    assertThatThrownBy(() -> tokens.claims(old, Instant.now())).as("a removed key forgets what it verified")
        .isInstanceOf(ApiException.class);
    assertThat(stored().kids()).as("still stored until the next reload").contains(oldKid);
    await(ring.reload());
    assertThat(stored().kids()).containsExactly(v2.current().getKeyID());
    assertThat(stored().version()).isEqualTo(2);

    // A node that opens later never sees the retired key at all.
    await(settings.put(SigningKeyRing.SETTING, v2.toStoredJson()));
    assertThat(open().keys().kids()).containsExactly(v2.current().getKeyID());
  }

  @Test
  void anUnreadableStoredSetKeepsTheKeysInMemoryButFailsAStart() throws Exception {
    SigningKeyRing ring = open();
    SigningKeys before = ring.keys();
    await(settings.put(SigningKeyRing.SETTING, "{\"garbage\":true}"));
    assertThat(await(ring.reload())).isSameAs(before);
    assertThatThrownBy(this::open).hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rotationsAreAnnouncedAndEveryAttachedNodeReloads() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SigningKeyRing a = open();
      SigningKeyRing b = open();
      a.attach(vertx, Duration.ofHours(1));
      b.attach(vertx, Duration.ofHours(1));
      List<Object> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      vertx.eventBus().consumer(SigningKeyRing.CHANGED_ADDRESS, m -> heard.add(m.body()));
      SigningKeys v2 = await(a.rotate());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while ((b.version() != 2 || heard.isEmpty()) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(b.keys().current().getKeyID()).isEqualTo(v2.current().getKeyID());
      assertThat(heard).as("only the version travels, never a key").containsExactly(2L);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void attachedNodesAlsoReloadPeriodically() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SigningKeyRing a = open();
      a.attach(vertx, Duration.ofMillis(50));
      // Rotated elsewhere without an announcement (as the command line does).
      SigningKeys v2 = await(open().rotate());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (a.version() != 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(a.keys().current().getKeyID()).isEqualTo(v2.current().getKeyID());
    } finally {
      await(vertx.close());
    }
  }

  /** Settings whose compare-and-set of the key set always finds another value. */
  private record LosingSettings(SettingsStore inner) implements SettingsStore {
    @Override
    public Future<String> getOrCreate(String name, Supplier<String> initial) {
      return inner.getOrCreate(name, initial);
    }

    @Override
    public Future<Optional<String>> get(String name) {
      return inner.get(name);
    }

    @Override
    public Future<Void> put(String name, String value) {
      return inner.put(name, value);
    }

    @Override
    public Future<Boolean> compareAndSet(String name, String expected, String value) {
      return Future.succeededFuture(false);
    }

    @Override
    public Future<Boolean> compareAndSet(String name, String expected, String value,
                                         io.k0rdent.api.core.event.ChangeEvents.Change change) {
      return Future.succeededFuture(false);
    }
  }
}
