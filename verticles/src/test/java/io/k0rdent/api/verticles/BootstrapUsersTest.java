package io.k0rdent.api.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Seeding {@code bootstrap.users} into a store: idempotent, and deterministic policy ids that never clash. */
class BootstrapUsersTest {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void seedingTwiceChangesNothingTheSecondTime() throws Exception {
    InMemoryStore store = new InMemoryStore();
    Instant now = Instant.now();
    await(store.organizations().create(new Organization("provider", UUID.randomUUID(), "P", null, now, now, 1)));
    List<Settings.User> users = List.of(
        new Settings.User("ann", "ann@example.com", "Ann", "provider", List.of("org-viewer", "org-admin")));
    assertThat(await(BootstrapUsers.seed(store, users))).containsExactly(
        new BootstrapUsers.Change(AuthState.Kind.USER, "ann"),
        new BootstrapUsers.Change(AuthState.Kind.BINDINGS, "user:ann"),
        new BootstrapUsers.Change(AuthState.Kind.BINDINGS, "user:ann"));
    assertThat(await(BootstrapUsers.seed(store, users))).isEmpty();
    assertThat(await(store.policies().forPrincipals(List.of(PrincipalRef.user("ann")))))
        .extracting(Policy::id).containsExactlyInAnyOrder("seed-ann-org-viewer", "seed-ann-org-admin");
  }

  @Test
  void clashingOrOverlongPolicyIdsFallBackToAHashedOne() throws Exception {
    InMemoryStore store = new InMemoryStore();
    Instant now = Instant.now();
    await(store.organizations().create(new Organization("provider", UUID.randomUUID(), "P", null, now, now, 1)));
    await(store.roles().create(new Role("b-org-viewer", UUID.randomUUID(), "provider", "B", null,
        List.of("resourcemanager.projects.get"), now, now, 1)));
    // seed-a-b-org-viewer twice: user a with role b-org-viewer, user a-b with role org-viewer
    await(BootstrapUsers.seed(store, List.of(
        new Settings.User("a", "a@example.com", "A", "provider", List.of("b-org-viewer")),
        new Settings.User("a-b", "ab@example.com", "AB", "provider", List.of("org-viewer")))));
    Policy first = await(store.policies().forPrincipals(List.of(PrincipalRef.user("a")))).get(0);
    Policy second = await(store.policies().forPrincipals(List.of(PrincipalRef.user("a-b")))).get(0);
    assertThat(first.id()).isEqualTo("seed-a-b-org-viewer");
    assertThat(second.id()).startsWith("seed-").isNotEqualTo(first.id()).matches(Slugs.PATTERN);
    assertThat(second.role()).isEqualTo("org-viewer");

    String longId = "u" + "x".repeat(60);
    assertThat(BootstrapUsers.preferredId(longId, "org-viewer")).matches(Slugs::isValid)
        .isEqualTo(BootstrapUsers.preferredId(longId, "org-viewer"))
        .isNotEqualTo(BootstrapUsers.preferredId(longId, "org-admin"));
  }
}
