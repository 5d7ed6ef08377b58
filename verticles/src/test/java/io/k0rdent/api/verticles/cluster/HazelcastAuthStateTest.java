package io.k0rdent.api.verticles.cluster;

import static io.k0rdent.api.verticles.cluster.AuthTestSupport.ORG;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.apiKey;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.await;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.completesAtOnce;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.credential;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.eventually;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.freePort;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.member;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.onLoop;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.onLoopValue;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.seedOrganization;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.serviceAccount;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.unavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.AuthState.Kind;
import io.k0rdent.api.core.auth.GrantInputs;
import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.Effect;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeType;
import io.k0rdent.api.core.auth.RoleSets;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.resource.User;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two embedded members joined over TCP on 127.0.0.1, each with its own Vert.x and {@link HazelcastAuthState},
 * one shared store. Every call is made on an event loop whose blocked-thread checker must stay silent.
 */
class HazelcastAuthStateTest {

  private static final HazelcastAuthState.Options OPTIONS = HazelcastAuthState.Options.DEFAULTS
      .withTimeout(Duration.ofSeconds(1))
      .withAbsentTtl(Duration.ofMillis(1500))
      .withUsageFlush(Duration.ofMillis(100));

  private static final List<String> BLOCKED = new CopyOnWriteArrayList<>();
  private static HazelcastInstance hzA;
  private static HazelcastInstance hzB;
  private static Vertx vertxA;
  private static Vertx vertxB;
  private static Context loopA;
  private static Context loopB;
  private static CountingStore store;
  private static HazelcastAuthState a;
  private static HazelcastAuthState b;

  @BeforeAll
  static void startTwoMembers() {
    String cluster = "auth-test-" + UUID.randomUUID();
    int portA = freePort();
    int portB = freePort();
    hzA = member(cluster, portA, portA, portB);
    hzB = member(cluster, portB, portA, portB);
    assertThat(hzA.getCluster().getMembers()).hasSize(2);
    store = new CountingStore();
    seedOrganization(store);
    vertxA = AuthTestSupport.vertx(BLOCKED);
    vertxB = AuthTestSupport.vertx(BLOCKED);
    a = await(HazelcastAuthState.start(vertxA, hzA, store, OPTIONS));
    b = await(HazelcastAuthState.start(vertxB, hzB, store, OPTIONS));
    loopA = vertxA.getOrCreateContext();
    loopB = vertxB.getOrCreateContext();
  }

  @AfterEach
  void noEventLoopWasBlocked() {
    List<String> blocked = List.copyOf(BLOCKED);
    BLOCKED.clear();
    assertThat(blocked).as("blocked event loops").isEmpty();
  }

  @AfterAll
  static void stop() {
    for (HazelcastAuthState s : new HazelcastAuthState[] {a, b}) {
      if (s != null) {
        await(s.close());
      }
    }
    for (Vertx v : new Vertx[] {vertxA, vertxB}) {
      if (v != null) {
        await(v.close());
      }
    }
    for (HazelcastInstance hz : new HazelcastInstance[] {hzA, hzB}) {
      if (hz != null) {
        hz.getLifecycleService().terminate(); // no graceful partition hand-over: nothing is kept
      }
    }
  }

  @Test
  void readsTheStoreOnceThenAnswersBothNodesFromTheCache() {
    ServiceAccount sa = await(store.serviceAccounts().create(serviceAccount("sa-read")));
    int reads = store.calls("serviceAccounts.get");

    assertThat(onLoop(loopA, () -> a.serviceAccount("sa-read"))).isEqualTo(sa);
    assertThat(store.calls("serviceAccounts.get")).isEqualTo(reads + 1);
    for (int i = 0; i < 20; i++) {
      assertThat(onLoop(loopB, () -> b.serviceAccount("sa-read"))).isEqualTo(sa);
      assertThat(onLoop(loopA, () -> a.serviceAccount("sa-read"))).isEqualTo(sa);
    }
    assertThat(store.calls("serviceAccounts.get")).as("store reads").isEqualTo(reads + 1);

    // Near-cache hits: the future is complete when the call returns.
    eventually(Duration.ofSeconds(1),
        () -> assertThat(completesAtOnce(loopA, () -> a.serviceAccount("sa-read"))).isTrue());
    eventually(Duration.ofSeconds(1),
        () -> assertThat(completesAtOnce(loopB, () -> b.serviceAccount("sa-read"))).isTrue());
  }

  @Test
  void credentialsAndApiKeysAreCachedWithEveryField() {
    await(store.serviceAccounts().create(serviceAccount("sa-kinds")));
    ServiceAccountCredential cred = await(store.credentials().create(credential("cred-kinds", "sa-kinds")));
    ApiKey key = await(store.apiKeys().create(apiKey("key-kinds")));
    int credReads = store.calls("credentials.get");
    int keyReads = store.calls("apiKeys.get");

    assertThat(onLoop(loopA, () -> a.credential("cred-kinds"))).isEqualTo(cred);
    assertThat(onLoop(loopA, () -> a.apiKey("key-kinds"))).isEqualTo(key);
    assertThat(onLoop(loopB, () -> b.credential("cred-kinds"))).isEqualTo(cred);
    assertThat(onLoop(loopB, () -> b.apiKey("key-kinds"))).isEqualTo(key);

    assertThat(store.calls("credentials.get")).isEqualTo(credReads + 1);
    assertThat(store.calls("apiKeys.get")).isEqualTo(keyReads + 1);
    // The kinds do not mix: an API key id is no credential.
    assertThat(onLoop(loopB, () -> b.credential("key-kinds"))).isNull();
  }

  @Test
  void unknownIdsAreCachedAsAbsentForAShortWhile() {
    String id = "sa-unknown";
    int reads = store.calls("serviceAccounts.get");
    for (int i = 0; i < 10; i++) {
      assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isNull();
      assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isNull();
    }
    assertThat(store.calls("serviceAccounts.get")).as("store reads").isEqualTo(reads + 1);

    // Created without changed(): the tombstone answers until it expires (1.5 s here), then the store does.
    ServiceAccount sa = await(store.serviceAccounts().create(serviceAccount(id)));
    assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isNull();
    eventually(Duration.ofSeconds(3), () -> assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isEqualTo(sa));
    assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isEqualTo(sa);
  }

  @Test
  void changedDropsTombstones() {
    String id = "sa-late";
    assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isNull();
    assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isNull();

    ServiceAccount sa = await(store.serviceAccounts().create(serviceAccount(id)));
    onLoop(loopA, () -> a.changed(Kind.SERVICE_ACCOUNT, id));
    assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isEqualTo(sa);
    eventually(Duration.ofSeconds(1), () -> assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isEqualTo(sa));
  }

  @Test
  void aChangeOnOneNodeIsSeenOnTheOtherWithinOneSecond() {
    ApiKey key = await(store.apiKeys().create(apiKey("key-change")));
    assertThat(onLoop(loopB, () -> b.apiKey("key-change"))).isEqualTo(key);
    eventually(Duration.ofSeconds(1),
        () -> assertThat(completesAtOnce(loopB, () -> b.apiKey("key-change"))).as("near-cached on B").isTrue());

    ApiKey disabled = await(store.apiKeys().update(
        key.withChanges(key.displayName(), key.description(), key.roles(), ApiKey.DISABLED, Clock.now())));
    onLoop(loopA, () -> a.changed(Kind.API_KEY, "key-change"));
    assertThat(onLoop(loopA, () -> a.apiKey("key-change"))).isEqualTo(disabled);
    eventually(Duration.ofSeconds(1),
        () -> assertThat(onLoop(loopB, () -> b.apiKey("key-change"))).isEqualTo(disabled));

    eventually(Duration.ofSeconds(1),
        () -> assertThat(completesAtOnce(loopB, () -> b.apiKey("key-change"))).as("near-cached on B").isTrue());
    await(store.apiKeys().delete("key-change", null));
    onLoop(loopA, () -> a.changed(Kind.API_KEY, "key-change"));
    assertThat(onLoop(loopA, () -> a.apiKey("key-change"))).isNull();
    eventually(Duration.ofSeconds(1), () -> assertThat(onLoop(loopB, () -> b.apiKey("key-change"))).isNull());
  }

  @Test
  void aDeletedCredentialIsGoneOnEveryNodeWithinOneSecond() {
    await(store.serviceAccounts().create(serviceAccount("sa-cred-del")));
    ServiceAccountCredential cred = await(store.credentials().create(credential("cred-del", "sa-cred-del")));
    assertThat(onLoop(loopA, () -> a.credential("cred-del"))).isEqualTo(cred);
    assertThat(onLoop(loopB, () -> b.credential("cred-del"))).isEqualTo(cred);

    await(store.credentials().delete("cred-del", null));
    onLoop(loopB, () -> b.changed(Kind.CREDENTIAL, "cred-del"));
    eventually(Duration.ofSeconds(1), () -> assertThat(onLoop(loopA, () -> a.credential("cred-del"))).isNull());
    assertThat(onLoop(loopB, () -> b.credential("cred-del"))).isNull();
  }

  @Test
  void changeListenersOnEveryNodeHearOfAChange() {
    List<String> heard = new CopyOnWriteArrayList<>();
    b.addChangeListener((kind, id) -> heard.add(kind + "/" + id));
    onLoop(loopA, () -> a.changed(Kind.CREDENTIAL, "cred-heard"));
    eventually(Duration.ofSeconds(1), () -> assertThat(heard).contains("CREDENTIAL/cred-heard"));
  }

  @Test
  void aReadRacingWithAChangeDoesNotCacheTheOldValue() throws Exception {
    String id = "sa-race";
    ServiceAccount v1 = await(store.serviceAccounts().create(serviceAccount(id)));

    // 1. Nothing cached yet. B's read-through reads v1, and its answer is held back while the account
    //    changes and the change is announced.
    CompletableFuture<ServiceAccount> racing = racingRead(id,
        () -> await(store.delegate.serviceAccounts().update(update(v1, "second"))));
    ServiceAccount stored2 = await(store.delegate.serviceAccounts().get(id));
    // The racing read overlapped the change: it may answer the old state...
    assertThat(racing.get(5, TimeUnit.SECONDS)).isEqualTo(v1);
    // ...but it did not cache it: every node answers the new state from now on.
    assertThat(hzA.getMap(HazelcastAuthState.SERVICE_ACCOUNTS).get(id)).isNotEqualTo(v1);
    assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isEqualTo(stored2);
    assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isEqualTo(stored2);

    // 2. The entry is a change fence; B's read-through sees it, reads the store and is held back while a
    //    second change happens: the second fence must not be taken for the first.
    onLoop(loopA, () -> a.changed(Kind.SERVICE_ACCOUNT, id));
    CompletableFuture<ServiceAccount> racing2 = racingRead(id,
        () -> await(store.delegate.serviceAccounts().update(update(stored2, "third"))));
    ServiceAccount stored3 = await(store.delegate.serviceAccounts().get(id));
    assertThat(racing2.get(5, TimeUnit.SECONDS)).isEqualTo(stored2);
    assertThat(hzB.getMap(HazelcastAuthState.SERVICE_ACCOUNTS).get(id)).isNotEqualTo(stored2);
    assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isEqualTo(stored3);
    assertThat(onLoop(loopB, () -> b.serviceAccount(id))).isEqualTo(stored3);
  }

  private static ServiceAccount update(ServiceAccount sa, String displayName) {
    return sa.withChanges(displayName, sa.description(), sa.roles(), sa.status(), Clock.now());
  }

  /**
   * Starts a lookup of {@code id} on B whose store read is held; runs {@code change} (a store update) and
   * announces it from A; then lets the held read answer. The lookup's answer.
   */
  private static CompletableFuture<ServiceAccount> racingRead(String id, Runnable change) {
    int reads = store.calls("serviceAccounts.get");
    store.hold();
    CompletableFuture<ServiceAccount> racing = new CompletableFuture<>();
    try {
      loopB.runOnContext(v -> b.serviceAccount(id).onComplete(ar -> {
        if (ar.succeeded()) {
          racing.complete(ar.result());
        } else {
          racing.completeExceptionally(ar.cause());
        }
      }));
      eventually(Duration.ofMillis(500), () -> assertThat(store.calls("serviceAccounts.get")).isEqualTo(reads + 1));
      change.run();
      onLoop(loopA, () -> a.changed(Kind.SERVICE_ACCOUNT, id));
    } finally {
      store.release();
    }
    return racing;
  }

  // ---- grants' inputs ----------------------------------------------------------------------------------

  @Test
  void usersOrganizationsAndRolesAreNearCachedAndReReadAfterAChange() {
    Instant now = Clock.now();
    User user = await(store.users().create(new User("u-cached", UUID.randomUUID(), ORG, "u@acme.example", "U",
        User.ACTIVE, now, now, 1)));
    User suspended = user.withChanges("U", User.SUSPENDED, now);
    cachedUntilChanged(Kind.USER, "u-cached", "users.get", s -> s.user("u-cached"), user,
        () -> await(store.delegate.users().update(suspended)), suspended);

    Organization org = await(store.organizations().create(new Organization("org-cached", UUID.randomUUID(), "O",
        null, now, now, 1)));
    Organization renamed = org.withChanges("O2", "described", now);
    cachedUntilChanged(Kind.ORGANIZATION, "org-cached", "organizations.get", s -> s.organization("org-cached"), org,
        () -> await(store.delegate.organizations().update(renamed)), renamed);

    Role role = await(store.roles().create(new Role("role-cached", UUID.randomUUID(), ORG, "R", null,
        List.of("iam.users.get"), now, now, 1)));
    RoleDefinition def = GrantInputs.definition(role);
    Role widened = new Role(role.id(), role.uid(), ORG, "R", null, List.of("iam.users.get", "iam.groups.list"),
        role.createdAt(), now, role.version() + 1);
    cachedUntilChanged(Kind.ROLE, "role-cached", "roles.get", s -> s.customRole("role-cached"), def,
        () -> await(store.delegate.roles().update(widened)), GrantInputs.definition(widened));
  }

  @Test
  void anUnknownProjectIsATombstoneUntilChangedThenTheProjectUntilDeleted() {
    Instant now = Clock.now();
    Project project = new Project("p-cached", UUID.randomUUID(), ORG, "P", null, now, now, 1);
    cachedUntilChanged(Kind.PROJECT, "p-cached", "projects.get", s -> s.project("p-cached"), null,
        () -> await(store.delegate.projects().create(project)), project);
    cachedUntilChanged(Kind.PROJECT, "p-cached", "projects.get", s -> s.project("p-cached"), project,
        () -> await(store.delegate.projects().delete("p-cached", null)), null);
  }

  @Test
  void bindingsAndMembershipsAreNearCachedListsReReadAfterAChange() {
    Instant now = Clock.now();
    await(store.serviceAccounts().create(serviceAccount("sa-bound")));
    PrincipalRef sa = PrincipalRef.serviceAccount("sa-bound");
    String key = AuthState.principalKey(sa);
    // Nothing bound yet: the empty list is an answer, cached like any other.
    Policy viewer = new Policy("pol-1", UUID.randomUUID(), ORG, null, null, "project-viewer", sa.type(), sa.id(),
        "project", "p-bound", "allow", now, now, 1);
    cachedUntilChanged(Kind.BINDINGS, key, "policies.forPrincipals", s -> s.bindings(sa), List.of(),
        () -> await(store.delegate.policies().create(viewer)),
        List.of(new Binding("project-viewer", ScopeType.PROJECT, "p-bound", Effect.ALLOW, ORG)));
    Policy deny = new Policy("pol-2", UUID.randomUUID(), ORG, null, null, "org-admin", sa.type(), sa.id(),
        "organization", null, "deny", now, now, 1);
    cachedUntilChanged(Kind.BINDINGS, key, "policies.forPrincipals", s -> s.bindings(sa),
        List.of(new Binding("project-viewer", ScopeType.PROJECT, "p-bound", Effect.ALLOW, ORG)),
        () -> {
          await(store.delegate.policies().delete("pol-1", null));
          await(store.delegate.policies().create(deny));
        },
        List.of(new Binding("org-admin", ScopeType.ORG, ORG, Effect.DENY, ORG)));

    await(store.users().create(new User("u-member", UUID.randomUUID(), ORG, "m@acme.example", "M", User.ACTIVE,
        now, now, 1)));
    await(store.delegate.groups().create(new Group("g-ops", UUID.randomUUID(), ORG, "Ops", null, now, now, 1)));
    cachedUntilChanged(Kind.MEMBERSHIPS, "u-member", "groupMembers.groupsOf", s -> s.groupsOf("u-member"),
        List.of(), () -> await(store.delegate.groupMembers().create(new GroupMember("gm-1", UUID.randomUUID(),
            "g-ops", "u-member", "user-1", now, now, 1))), List.of("g-ops"));
  }

  /**
   * Looks {@code lookup} up on both nodes: the store is read at most once (not when already cached), then both nodes answer {@code before}
   * from their near caches (the call's future is complete when it returns); after {@code change} and
   * {@code changed(kind, id)} on A, A's next lookup reads the store (exactly once) and answers {@code after},
   * and B answers {@code after} within 1 s.
   */
  private static <T> void cachedUntilChanged(Kind kind, String id, String storeCall,
                                             Function<HazelcastAuthState, Future<T>> lookup, T before,
                                             Runnable change, T after) {
    String what = kind + " " + id;
    int reads = store.calls(storeCall);
    assertThat(onLoop(loopA, () -> lookup.apply(a))).as(what).isEqualTo(before);
    assertThat(store.calls(storeCall)).as("store reads of " + what).isBetween(reads, reads + 1); // 0: cached
    reads = store.calls(storeCall);
    for (int i = 0; i < 10; i++) {
      assertThat(onLoop(loopB, () -> lookup.apply(b))).as(what).isEqualTo(before);
      assertThat(onLoop(loopA, () -> lookup.apply(a))).as(what).isEqualTo(before);
    }
    eventually(Duration.ofSeconds(1),
        () -> assertThat(completesAtOnce(loopA, () -> lookup.apply(a))).as("near-cached on A").isTrue());
    eventually(Duration.ofSeconds(1),
        () -> assertThat(completesAtOnce(loopB, () -> lookup.apply(b))).as("near-cached on B").isTrue());
    assertThat(store.calls(storeCall)).as("store reads of " + what).isEqualTo(reads);

    change.run();
    // Not announced yet: the cache still answers.
    assertThat(onLoop(loopB, () -> lookup.apply(b))).as(what).isEqualTo(before);
    onLoop(loopA, () -> a.changed(kind, id));
    int readsBefore = store.calls(storeCall);
    assertThat(onLoop(loopA, () -> lookup.apply(a))).as(what + " after the change").isEqualTo(after);
    assertThat(store.calls(storeCall)).as("store reads of " + what + " after the change").isEqualTo(readsBefore + 1);
    eventually(Duration.ofSeconds(1),
        () -> assertThat(onLoop(loopB, () -> lookup.apply(b))).as(what + " on B").isEqualTo(after));
  }

  @Test
  void aRevocationIsRefusedOnEveryNodeWithinOneSecond() {
    String jti = "jti-" + UUID.randomUUID();
    Instant exp = Clock.now().plus(Duration.ofMinutes(10));
    assertThat(onLoopValue(loopB, () -> b.isRevoked(jti))).isFalse();

    onLoop(loopA, () -> a.revoke(jti, exp));
    assertThat(onLoopValue(loopA, () -> a.isRevoked(jti))).isTrue();
    eventually(Duration.ofSeconds(1), () -> assertThat(onLoopValue(loopB, () -> b.isRevoked(jti))).isTrue());

    assertThat(await(store.delegate.revocations().active(Instant.now()))).containsEntry(jti, exp);
    var entry = hzB.<String, Long>getMap(HazelcastAuthState.REVOKED).getEntryView(jti);
    assertThat(entry.getValue()).isEqualTo(exp.toEpochMilli());
    assertThat(entry.getExpirationTime()).as("TTL = the token's remaining life")
        .isCloseTo(exp.toEpochMilli(), within(2_000L));
  }

  @Test
  void revocationsEndWithTheTokensLife() {
    String jti = "jti-short-" + UUID.randomUUID();
    onLoop(loopA, () -> a.revoke(jti, Instant.now().plusMillis(400)));
    eventually(Duration.ofSeconds(1), () -> assertThat(onLoopValue(loopB, () -> b.isRevoked(jti))).isTrue());
    eventually(Duration.ofSeconds(2), () -> {
      assertThat(onLoopValue(loopA, () -> a.isRevoked(jti))).isFalse();
      assertThat(onLoopValue(loopB, () -> b.isRevoked(jti))).isFalse();
    });

    String expired = "jti-expired-" + UUID.randomUUID();
    onLoop(loopA, () -> a.revoke(expired, Instant.now().minusSeconds(1)));
    assertThat(onLoopValue(loopA, () -> a.isRevoked(expired))).isFalse();
    assertThat(onLoopValue(loopA, () -> a.isRevoked(null))).isFalse();
  }

  @Test
  void roleSetsRoundTripAcrossNodes() {
    String id = onLoop(loopA, () -> a.roleSetId(List.of("editor", "admin", "editor")));
    assertThat(id).isEqualTo(RoleSets.idOf(List.of("admin", "editor")));
    int reads = store.calls("roleSets.get");
    assertThat(onLoop(loopB, () -> b.roleSet(id))).containsExactly("admin", "editor");
    assertThat(onLoop(loopB, () -> b.roleSet(id))).containsExactly("admin", "editor");
    assertThat(onLoop(loopA, () -> a.roleSet(id))).containsExactly("admin", "editor");
    assertThat(store.calls("roleSets.get")).as("store reads").isEqualTo(reads + 1);

    int writes = store.calls("roleSets.put");
    assertThat(onLoop(loopA, () -> a.roleSetId(List.of("admin", "editor")))).isEqualTo(id);
    assertThat(onLoop(loopB, () -> b.roleSetId(List.of()))).isEqualTo(RoleSets.EMPTY);
    assertThat(onLoop(loopB, () -> b.roleSet(RoleSets.EMPTY))).isEmpty();
    assertThat(store.calls("roleSets.put")).as("store writes").isEqualTo(writes);
    assertThat(onLoop(loopB, () -> b.roleSet("AAAAAAAAAAAAAAAAAAAAAA"))).isNull();
  }

  @Test
  void usesAreWrittenToTheStoreInBatches() {
    await(store.serviceAccounts().create(serviceAccount("sa-usage")));
    await(store.credentials().create(credential("cred-usage", "sa-usage")));
    await(store.apiKeys().create(apiKey("key-usage")));
    Instant at = Clock.now();
    onLoopValue(loopA, () -> {
      a.recordUse(Kind.CREDENTIAL, "cred-usage", at, "10.0.0.1");
      a.recordUse(Kind.CREDENTIAL, "cred-usage", at.minusSeconds(5), "10.0.0.9");
      return null;
    });
    onLoopValue(loopB, () -> {
      b.recordUse(Kind.API_KEY, "key-usage", at, "10.0.0.2");
      return null;
    });
    eventually(Duration.ofSeconds(2), () -> {
      ServiceAccountCredential c = await(store.delegate.credentials().get("cred-usage"));
      assertThat(c.lastUsedAt()).isEqualTo(at);
      assertThat(c.lastUsedIp()).isEqualTo("10.0.0.1");
      ApiKey k = await(store.delegate.apiKeys().get("key-usage"));
      assertThat(k.lastUsedAt()).isEqualTo(at);
      assertThat(k.lastUsedIp()).isEqualTo("10.0.0.2");
    });
  }

  @Test
  void aStoreOutageIsA503NotAnAnswer() {
    store.unavailable = true;
    try {
      unavailable(loopA, () -> a.serviceAccount("sa-outage"));
      unavailable(loopB, () -> b.credential("cred-outage"));
      unavailable(loopB, () -> b.apiKey("key-outage"));
      unavailable(loopA, () -> a.user("u-outage"));
      unavailable(loopB, () -> b.organization("org-outage"));
      unavailable(loopA, () -> a.project("p-outage"));
      unavailable(loopB, () -> b.customRole("role-outage"));
      unavailable(loopA, () -> a.bindings(PrincipalRef.user("u-outage")));
      unavailable(loopB, () -> b.groupsOf("u-outage"));
      unavailable(loopA, () -> a.roleSet("BBBBBBBBBBBBBBBBBBBBBB"));
      unavailable(loopA, () -> a.roleSetId(List.of("outage-role")));
      unavailable(loopA, () -> a.revoke("jti-outage", Instant.now().plusSeconds(60)));
    } finally {
      store.unavailable = false;
    }
    // Nothing was cached during the outage.
    ServiceAccount sa = await(store.serviceAccounts().create(serviceAccount("sa-outage")));
    assertThat(onLoop(loopA, () -> a.serviceAccount("sa-outage"))).isEqualTo(sa);
    assertThat(onLoop(loopB, () -> b.credential("cred-outage"))).isNull();
    assertThat(onLoop(loopB, () -> b.project("p-outage"))).isNull();
    assertThat(onLoop(loopA, () -> a.bindings(PrincipalRef.user("u-outage")))).isEmpty();
  }

  @Test
  void aPartitionThatDoesNotAnswerIsA503AndNoEventLoopWaits() throws Exception {
    String id = keyOwnedBy(hzB, "sa-slow-");
    Stall.started = new CountDownLatch(1);
    Stall.release = new CountDownLatch(1);
    hzB.<String, Object>getMap(HazelcastAuthState.SERVICE_ACCOUNTS).submitToKey(id, new Stall());
    assertThat(Stall.started.await(5, TimeUnit.SECONDS)).isTrue();
    try {
      // The call returns at once, with a pending future: nothing waits for the partition on the event loop.
      long[] callNanos = new long[2];
      long t0 = System.nanoTime();
      ApiException e = unavailable(loopA, () -> timed(callNanos, 0, () -> a.serviceAccount(id)));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(millis).as("answered after the 1 s timeout").isBetween(900L, 3_000L);
      assertThat(e.reason()).isEqualTo("UNAVAILABLE");
      unavailable(loopA, () -> timed(callNanos, 1, () -> a.changed(Kind.SERVICE_ACCOUNT, id)));
      assertThat(TimeUnit.NANOSECONDS.toMillis(callNanos[0])).as("lookup call").isLessThan(300);
      assertThat(TimeUnit.NANOSECONDS.toMillis(callNanos[1])).as("changed call").isLessThan(300);
    } finally {
      Stall.release.countDown();
    }
    eventually(Duration.ofSeconds(3), () -> assertThat(onLoop(loopA, () -> a.serviceAccount(id))).isNull());
  }

  private static <T> Future<T> timed(long[] nanos, int slot, Supplier<Future<T>> call) {
    long t0 = System.nanoTime();
    Future<T> f = call.get();
    nanos[slot] = System.nanoTime() - t0;
    return f;
  }

  /** Occupies its key's partition thread until released (test only; runs on the owner, no backup). */
  static final class Stall implements EntryProcessor<String, Object, Object> {
    static volatile CountDownLatch started;
    static volatile CountDownLatch release;

    @Override
    public Object process(Map.Entry<String, Object> entry) {
      started.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }

    @Override
    public EntryProcessor<String, Object, Object> getBackupProcessor() {
      return null;
    }
  }

  private static String keyOwnedBy(HazelcastInstance owner, String prefix) {
    for (int i = 0; ; i++) {
      String key = prefix + i;
      if (owner.getPartitionService().getPartition(key).getOwner().localMember()) {
        return key;
      }
    }
  }

  @Test
  void everythingInTheCacheIsCompactAndLossless() {
    SerializationService mine = ((SerializationServiceSupport) hzA).getSerializationService();
    SerializationService theirs = ((SerializationServiceSupport) hzB).getSerializationService();
    Instant precise = Instant.parse("2031-02-03T04:05:06.123456789Z");
    Instant far = Instant.parse("9999-12-31T23:59:59.999999999Z");
    UUID uid = UUID.randomUUID();
    List<Object> values = List.of(
        new ServiceAccount("sa", uid, ORG, "c@acme.iam", "project", "p1", List.of("a", "b"), "disabled", "Name",
            null, "user-1", precise, far, 7),
        new ServiceAccountCredential("cr", uid, "sa", "hash", null, "user-1", precise, "::1", precise, precise, 1),
        new ApiKey("k", uid, ORG, "organization", ORG, List.of(), "active", far, "u", "service_account", "h1",
            "h0", precise, precise, null, null, null, "desc", precise, precise, 3),
        new User("u", uid, ORG, "U@acme.example", null, "suspended", precise, far, 2),
        new Organization("o", uid, null, "desc", precise, far, 4),
        new Project("p", uid, ORG, "Proj", null, precise, far, 5),
        new RoleDefinition("r", ORG, List.of("iam.users.*", "clusters.get")),
        new RoleDefinition("viewer", null, List.of()),
        new HazelcastAuthState.BindingList(List.of(Binding.allow("platform-admin", ScopeType.PLATFORM, null),
            Binding.deny("org-admin", ScopeType.ORG, ORG), Binding.allow("v", ScopeType.PROJECT, "p"),
            Binding.allow("v", ScopeType.RESOURCE, "projects/p/clusters/c"),
            new Binding("w", ScopeType.PROJECT, "p", Effect.DENY, ORG))),
        new HazelcastAuthState.BindingList(List.of()),
        new HazelcastAuthState.GroupList(List.of("g1", "g2")),
        new HazelcastAuthState.GroupList(List.of()),
        new HazelcastAuthState.Mark(true, 123, -5),
        new HazelcastAuthState.Event("REVOKED", "jti", 42),
        new HazelcastAuthState.Populate(null, new HazelcastAuthState.Mark(false, 1, 2), 1000, 77),
        new HazelcastAuthState.Populate(9L, apiKey("k2"), 1000, Long.MAX_VALUE));
    for (Object value : values) {
      Data data = mine.toData(value);
      assertThat(data.isCompact()).as("%s is Compact", value.getClass().getSimpleName()).isTrue();
      assertThat((Object) theirs.toObject(data)).isEqualTo(value);
    }
  }

}
