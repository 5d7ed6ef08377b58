package io.k0rdent.api.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.policy.GrantSnapshot;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy engine over the store: what each kind of principal holds, and that every kind of change
 * drops exactly the snapshots compiled from it.
 */
class GrantsTest {

  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final ScopeChain ACME = ScopeChain.organization("acme");
  static final ScopeChain P1 = ScopeChain.project("acme", "p1");
  static final ScopeChain P2 = ScopeChain.project("acme", "p2");

  Vertx vertx;
  InMemoryStore store;
  DirectAuthState state;
  ClientRegistry clients;
  Grants grants;

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    store = new InMemoryStore();
    state = new DirectAuthState(vertx, store, 60_000);
    clients = new ClientRegistry();
    grants = new Grants(state, clients);
    await(store.organizations().create(new Organization("acme", UUID.randomUUID(), "Acme", null, T, T, 1)));
    for (String p : List.of("p1", "p2")) {
      await(store.projects().create(new Project(p, UUID.randomUUID(), "acme", p, null, T, T, 1)));
    }
  }

  @AfterEach
  void tearDown() {
    await(state.close());
    await(vertx.close());
  }

  private ServiceAccount account(String id, List<String> roles) {
    return await(store.serviceAccounts().create(new ServiceAccount(id, UUID.randomUUID(), "acme",
        ServiceAccount.clientIdOf(id, "acme"), "organization", "acme", roles, ServiceAccount.ACTIVE, "d", null, "t",
        T, T, 1)));
  }

  private Policy bind(String id, String role, PrincipalRef who, String scopeType, String resource, String effect) {
    return await(store.policies().create(new Policy(id, UUID.randomUUID(), "acme", null, null, role, who.type(),
        who.id(), scopeType, resource, effect, T, T, 1)));
  }

  private GrantSnapshot of(PrincipalRef p) {
    return await(grants.of(p));
  }

  @Test
  void aServiceAccountHoldsItsOwnRolesAtItsScopeAndItsBindings() {
    account("ci", List.of(PredefinedRoles.ORG_VIEWER));
    PrincipalRef ci = PrincipalRef.serviceAccount("ci");
    assertThat(of(ci).allowed(Permissions.PROJECTS_GET, P1)).isTrue();
    assertThat(of(ci).allowed(Permissions.PROJECTS_DELETE, P1)).isFalse();
    bind("b1", PredefinedRoles.PROJECT_ADMIN, ci, Policy.PROJECT, "p1", Policy.ALLOW);
    assertThat(of(ci).allowed(Permissions.PROJECTS_DELETE, P1)).as("cached until announced").isFalse();
    await(state.changed(AuthState.Kind.BINDINGS, AuthState.principalKey(ci)));
    assertThat(of(ci).allowed(Permissions.PROJECTS_DELETE, P1)).isTrue();
    assertThat(of(ci).allowed(Permissions.PROJECTS_DELETE, P2)).isFalse();
    assertThat(of(ci).allowed(Permissions.ORGANIZATIONS_CREATE, ScopeChain.PLATFORM)).isFalse();
  }

  @Test
  void aDisabledServiceAccountHoldsNothing() {
    ServiceAccount sa = account("ci", List.of(PredefinedRoles.ORG_ADMIN));
    PrincipalRef ci = PrincipalRef.serviceAccount("ci");
    assertThat(of(ci).allowed(Permissions.PROJECTS_GET, P1)).isTrue();
    await(store.serviceAccounts().update(sa.withChanges(sa.displayName(), sa.description(), sa.roles(),
        ServiceAccount.DISABLED, T.plusSeconds(1))));
    await(state.changed(AuthState.Kind.SERVICE_ACCOUNT, "ci"));
    assertThat(of(ci).allowed(Permissions.PROJECTS_GET, P1)).isFalse();
  }

  @Test
  void aUserHoldsItsGroupsBindingsWhileItIsAMember() {
    await(store.users().create(new User("ann", UUID.randomUUID(), "acme", "ann@acme.test", "Ann", User.ACTIVE, T, T, 1)));
    await(store.groups().create(new Group("ops", UUID.randomUUID(), "acme", "Ops", null, T, T, 1)));
    PrincipalRef ann = PrincipalRef.user("ann");
    bind("b1", PredefinedRoles.COMPUTE_ADMIN, PrincipalRef.group("ops"), Policy.PROJECT, "p1", Policy.ALLOW);
    assertThat(of(ann).allowed(Permissions.CLUSTERS_CREATE, P1)).isFalse();
    GroupMember m = await(store.groupMembers().create(new GroupMember("m1", UUID.randomUUID(), "ops", "ann", "t", T, T, 1)));
    await(state.changed(AuthState.Kind.MEMBERSHIPS, "ann"));
    assertThat(of(ann).allowed(Permissions.CLUSTERS_CREATE, P1)).isTrue();
    // a change of the group's bindings reaches its members
    Policy deny = bind("b2", PredefinedRoles.COMPUTE_VIEWER, PrincipalRef.group("ops"), Policy.PROJECT, "p1", Policy.DENY);
    await(state.changed(AuthState.Kind.BINDINGS, AuthState.principalKey(PrincipalRef.group("ops"))));
    assertThat(of(ann).allowed(Permissions.CLUSTERS_GET, P1)).as("deny wins").isFalse();
    assertThat(of(ann).allowed(Permissions.CLUSTERS_CREATE, P1)).isTrue();
    await(store.policies().delete(deny.id(), null));
    await(store.groupMembers().delete(m.id(), null));
    await(state.changed(AuthState.Kind.MEMBERSHIPS, "ann"));
    assertThat(of(ann).allowed(Permissions.CLUSTERS_CREATE, P1)).isFalse();
  }

  @Test
  void aSuspendedUserHoldsNothing() {
    User u = await(store.users().create(new User("bob", UUID.randomUUID(), "acme", "bob@acme.test", "Bob", User.ACTIVE,
        T, T, 1)));
    bind("b1", PredefinedRoles.ORG_VIEWER, PrincipalRef.user("bob"), Policy.ORG, "acme", Policy.ALLOW);
    assertThat(of(PrincipalRef.user("bob")).allowed(Permissions.PROJECTS_GET, P1)).isTrue();
    await(store.users().update(u.withChanges("Bob", User.SUSPENDED, T.plusSeconds(1))));
    await(state.changed(AuthState.Kind.USER, "bob"));
    assertThat(of(PrincipalRef.user("bob")).allowed(Permissions.PROJECTS_GET, P1)).isFalse();
  }

  @Test
  void aCustomRoleChangeReachesEverySnapshotUsingIt() {
    Role r = await(store.roles().create(new Role("cluster-reader", UUID.randomUUID(), "acme", "R", null,
        List.of("compute.clusters.get"), T, T, 1)));
    account("a1", List.of());
    account("a2", List.of());
    bind("b1", "cluster-reader", PrincipalRef.serviceAccount("a1"), Policy.ORG, "acme", Policy.ALLOW);
    bind("b2", "cluster-reader", PrincipalRef.serviceAccount("a2"), Policy.PROJECT, "p2", Policy.ALLOW);
    assertThat(of(PrincipalRef.serviceAccount("a1")).allowed(Permissions.CLUSTERS_DELETE, P1)).isFalse();
    assertThat(of(PrincipalRef.serviceAccount("a2")).allowed(Permissions.CLUSTERS_GET, P2)).isTrue();
    await(store.roles().update(r.withChanges("R", null, List.of("compute.clusters.*"), T.plusSeconds(1))));
    await(state.changed(AuthState.Kind.ROLE, "cluster-reader"));
    assertThat(of(PrincipalRef.serviceAccount("a1")).allowed(Permissions.CLUSTERS_DELETE, P1)).isTrue();
    assertThat(of(PrincipalRef.serviceAccount("a2")).allowed(Permissions.CLUSTERS_DELETE, P2)).isTrue();
    assertThat(of(PrincipalRef.serviceAccount("a2")).allowed(Permissions.CLUSTERS_DELETE, P1)).isFalse();
  }

  @Test
  void unrelatedChangesKeepTheCachedSnapshot() {
    account("ci", List.of(PredefinedRoles.ORG_VIEWER));
    GrantSnapshot first = of(PrincipalRef.serviceAccount("ci"));
    await(state.changed(AuthState.Kind.SERVICE_ACCOUNT, "other"));
    await(state.changed(AuthState.Kind.ROLE, "some-role"));
    assertThat(of(PrincipalRef.serviceAccount("ci"))).isSameAs(first);
    await(state.changed(AuthState.Kind.SERVICE_ACCOUNT, "ci"));
    assertThat(of(PrincipalRef.serviceAccount("ci"))).isNotSameAs(first);
  }

  @Test
  void aTokenActsWithinItsProjectAndItsRoleCeiling() {
    account("ci", List.of(PredefinedRoles.ORG_ADMIN));
    String sub = ServiceAccount.clientIdOf("ci", "acme");
    assertThat(grants.principalOf(sub)).isEqualTo(PrincipalRef.serviceAccount("ci"));
    Principal org = new Principal(sub, PrincipalType.SERVICE_ACCOUNT, "acme", "organization", "acme", sub, "j1", T,
        T.plusSeconds(900), "cred", null, null);
    GrantSnapshot whole = await(grants.effective(org));
    assertThat(whole.allowed(Permissions.PROJECTS_DELETE, P2)).isTrue();
    Principal inP1 = new Principal(sub, PrincipalType.SERVICE_ACCOUNT, "acme", "project", "p1", sub, "j2", T,
        T.plusSeconds(900), "cred", "rs", List.of(PredefinedRoles.PROJECT_VIEWER));
    GrantSnapshot capped = await(grants.effective(inP1));
    assertThat(capped.allowed(Permissions.PROJECTS_GET, P1)).isTrue();
    assertThat(capped.allowed(Permissions.PROJECTS_DELETE, P1)).as("ceiling").isFalse();
    assertThat(capped.allowed(Permissions.PROJECTS_GET, P2)).as("confined to p1").isFalse();
    assertThat(capped.allowed(Permissions.PROJECTS_LIST, ACME)).as("not the organization").isFalse();
    assertThat(await(grants.effective(inP1))).isSameAs(capped);
  }

  @Test
  void aConfiguredClientHoldsItsRolesAtPlatformScope() {
    clients.register(new ClientRegistry.Client("boot@provider.iam", "h", "boot@provider.iam",
        PrincipalType.SERVICE_ACCOUNT, "provider", "organization", "provider", "c0",
        List.of(PredefinedRoles.PLATFORM_ADMIN)));
    GrantSnapshot s = of(grants.principalOf("boot@provider.iam"));
    assertThat(s.allowed(Permissions.ORGANIZATIONS_CREATE, ScopeChain.PLATFORM)).isTrue();
    assertThat(s.allowed(Permissions.KEYS_ROTATE, ScopeChain.PLATFORM)).isTrue();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, P2)).isTrue();
  }

  @Test
  void unknownPrincipalsHoldNothing() {
    assertThat(grants.principalOf(null)).isNull();
    assertThat(grants.principalOf("not a slug!")).isNull();
    assertThat(of(PrincipalRef.serviceAccount("ghost")).allowed(Permissions.PROJECTS_GET, P1)).isFalse();
    assertThat(of(PrincipalRef.user("ghost")).allowed(Permissions.PROJECTS_GET, P1)).isFalse();
    assertThat(of(null).allowed(Permissions.PROJECTS_GET, P1)).isFalse();
  }

  @Test
  void targetsResolveIdsAndPaths() {
    Targets targets = new Targets(state);
    assertThat(await(targets.chainOf("organizations/acme", null))).isEqualTo(ACME);
    assertThat(await(targets.chainOf("acme", Permissions.ORGANIZATIONS_GET))).isEqualTo(ACME);
    assertThat(await(targets.chainOf("p1", Permissions.CLUSTERS_GET))).isEqualTo(P1);
    assertThat(await(targets.chainOf("projects/p1", null))).isEqualTo(P1);
    assertThat(await(targets.chainOf("/v1/regions/r1/projects/p1/compute/clusters/c1", null)))
        .isEqualTo(ScopeChain.resource("acme", "p1", "projects/p1/compute/clusters/c1"));
    assertThat(await(targets.chainOf("projects/nope", null))).isNull();
    assertThat(await(targets.chainOf("organizations/nope", null))).isNull();
    assertThat(await(targets.chainOf("../etc/passwd", null))).isNull();
    assertThat(await(targets.chainOf("", null))).isNull();
    assertThat(await(targets.chainOf("clusters/c1", null))).isNull();
  }
}
