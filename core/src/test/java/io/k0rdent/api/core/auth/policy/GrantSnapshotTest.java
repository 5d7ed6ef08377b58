package io.k0rdent.api.core.auth.policy;

import static io.k0rdent.api.core.auth.policy.Binding.allow;
import static io.k0rdent.api.core.auth.policy.Binding.deny;
import static io.k0rdent.api.core.auth.policy.PredefinedRoles.*;
import static io.k0rdent.api.core.auth.policy.ScopeType.ORG;
import static io.k0rdent.api.core.auth.policy.ScopeType.PLATFORM;
import static io.k0rdent.api.core.auth.policy.ScopeType.PROJECT;
import static io.k0rdent.api.core.auth.policy.ScopeType.RESOURCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Decisions of a compiled snapshot: chain, precedence, groups, caps, "only grant what you hold". */
class GrantSnapshotTest {

  private static final PermissionCatalog CATALOG = Permissions.catalog();
  private static final String CREATE = Permissions.CLUSTERS_CREATE;
  private static final String GET = Permissions.CLUSTERS_GET;

  // acme has projects p1 (with cluster c1, c2) and p2; globex has project g1.
  private static final ScopeChain PLATFORM_CHAIN = ScopeChain.PLATFORM;
  private static final ScopeChain ACME = ScopeChain.organization("acme");
  private static final ScopeChain P1 = ScopeChain.project("acme", "p1");
  private static final ScopeChain P2 = ScopeChain.project("acme", "p2");
  private static final ScopeChain C1 = ScopeChain.resource("acme", "p1", "clusters/c1");
  private static final ScopeChain C2 = ScopeChain.resource("acme", "p1", "clusters/c2");
  private static final ScopeChain GLOBEX = ScopeChain.organization("globex");
  private static final ScopeChain G1 = ScopeChain.project("globex", "g1");
  private static final List<ScopeChain> CHAINS = List.of(PLATFORM_CHAIN, ACME, P1, P2, C1, C2, GLOBEX, G1);

  private final Map<String, RoleDefinition> custom = new HashMap<>();
  private final Function<String, RoleDefinition> roles = PredefinedRoles.resolver(PredefinedRoles.standard(), custom::get);

  private GrantSnapshot compile(Binding... bindings) {
    return GrantSnapshot.compile(List.of(bindings), roles, CATALOG);
  }

  @Test
  void aProjectBindingDoesNotGrantAtItsOrganizationOrSiblings() {
    GrantSnapshot s = compile(allow(COMPUTE_ADMIN, PROJECT, "p1"));
    assertThat(s.allowed(CREATE, P1)).isTrue();
    assertThat(s.allowed(CREATE, C1)).as("resources in the project").isTrue();
    assertThat(s.allowed(CREATE, ACME)).isFalse();
    assertThat(s.allowed(CREATE, P2)).isFalse();
    assertThat(s.allowed(CREATE, PLATFORM_CHAIN)).isFalse();
    assertThat(s.allowed(CREATE, G1)).isFalse();
  }

  @Test
  void anOrganizationBindingGrantsInItsProjectsOnly() {
    GrantSnapshot s = compile(allow(COMPUTE_ADMIN, ORG, "acme"));
    for (ScopeChain c : List.of(ACME, P1, P2, C1, C2)) {
      assertThat(s.allowed(CREATE, c)).as(c.toString()).isTrue();
    }
    for (ScopeChain c : List.of(GLOBEX, G1, PLATFORM_CHAIN)) {
      assertThat(s.allowed(CREATE, c)).as(c.toString()).isFalse();
    }
  }

  @Test
  void aPlatformBindingGrantsEverywhere() {
    GrantSnapshot s = compile(allow(COMPUTE_VIEWER, PLATFORM, null));
    for (ScopeChain c : CHAINS) {
      assertThat(s.allowed(GET, c)).as(c.toString()).isTrue();
      assertThat(s.allowed(CREATE, c)).as(c.toString()).isFalse();
    }
  }

  @Test
  void aResourceBindingGrantsOnThatResourceOnly() {
    GrantSnapshot s = compile(allow(COMPUTE_ADMIN, RESOURCE, "clusters/c1"));
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, C1)).isTrue();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, C2)).isFalse();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, P1)).isFalse();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, ACME)).isFalse();
  }

  @Test
  void denyWinsWhateverTheOrderOfTheBindings() {
    List<Binding> bindings = List.of(
        allow(PLATFORM_ADMIN, PLATFORM, null),
        deny(COMPUTE_ADMIN, PROJECT, "p1"),
        allow(COMPUTE_ADMIN, RESOURCE, "clusters/c1"),
        deny(COMPUTE_VIEWER, RESOURCE, "clusters/c2"),
        allow(ORG_ADMIN, ORG, "acme"),
        deny(IAM_ADMIN, ORG, "globex"));
    List<List<Binding>> orders = new ArrayList<>();
    permutations(new ArrayList<>(bindings), 0, orders);
    assertThat(orders).hasSize(720);
    for (List<Binding> order : orders) {
      GrantSnapshot s = GrantSnapshot.compile(order, roles, CATALOG);
      String o = order.toString();
      // a deny on the project beats allows above it (platform, org) and below it (resource c1)
      assertThat(s.allowed(CREATE, P1)).as(o).isFalse();
      assertThat(s.allowed(CREATE, C1)).as(o).isFalse();
      assertThat(s.allowed(GET, C2)).as(o).isFalse();
      assertThat(s.allowed(CREATE, P2)).as(o).isTrue();
      assertThat(s.allowed(Permissions.PROJECTS_UPDATE, P1)).as("not denied: not in compute-admin " + o).isTrue();
      assertThat(s.allowed(Permissions.POLICIES_CREATE, G1)).as(o).isFalse();
      assertThat(s.allowed(Permissions.CLUSTERS_CREATE, G1)).as(o).isTrue();
      assertThat(s.allowed(Permissions.KEYS_ROTATE, PLATFORM_CHAIN)).as(o).isTrue();
    }
  }

  @Test
  void anAllowAndADenyOfTheSameRoleAtTheSameScopeDeny() {
    assertThat(compile(allow(COMPUTE_ADMIN, PROJECT, "p1"), deny(COMPUTE_ADMIN, PROJECT, "p1")).allowed(GET, P1))
        .isFalse();
    assertThat(compile(deny(COMPUTE_ADMIN, PROJECT, "p1"), allow(COMPUTE_ADMIN, PROJECT, "p1")).allowed(GET, P1))
        .isFalse();
  }

  @Test
  void matchesANaiveEvaluatorOnRandomBindings() {
    List<String> perms = new ArrayList<>();
    for (String svc : List.of("compute", "iam", "infra")) {
      for (String res : List.of("clusters", "nodes", "keys")) {
        for (String verb : List.of("get", "list", "create", "delete")) {
          perms.add(svc + "." + res + "." + verb);
        }
      }
    }
    PermissionCatalog catalog = PermissionCatalog.of(perms);
    Random random = new Random(42);
    List<String> patternPool = new ArrayList<>(perms);
    patternPool.addAll(List.of("*", "compute.*", "iam.*", "infra.*", "compute.clusters.*", "iam.keys.*", "infra.nodes.*"));
    Map<String, RoleDefinition> rolePool = new HashMap<>();
    for (int r = 0; r < 12; r++) {
      List<String> ps = new ArrayList<>();
      for (int k = 0; k < 1 + random.nextInt(4); k++) {
        ps.add(patternPool.get(random.nextInt(patternPool.size())));
      }
      rolePool.put("r" + r, new RoleDefinition("r" + r, null, ps));
    }
    List<ScopeChain> chains = List.of(ScopeChain.PLATFORM, ScopeChain.organization("o1"), ScopeChain.organization("o2"),
        ScopeChain.project("o1", "p1"), ScopeChain.project("o1", "p2"), ScopeChain.project("o2", "p3"),
        ScopeChain.resource("o1", "p1", "x"), ScopeChain.resource("o1", "p1", "y"), ScopeChain.resource("o2", "p3", "z"),
        ScopeChain.resource("o1", null, "w"));
    List<String[]> scopes = List.of(new String[] {"PLATFORM", null}, new String[] {"ORG", "o1"},
        new String[] {"ORG", "o2"}, new String[] {"PROJECT", "p1"}, new String[] {"PROJECT", "p2"},
        new String[] {"PROJECT", "p3"}, new String[] {"RESOURCE", "x"}, new String[] {"RESOURCE", "y"},
        new String[] {"RESOURCE", "z"}, new String[] {"RESOURCE", "w"});
    for (int round = 0; round < 300; round++) {
      List<Binding> bindings = new ArrayList<>();
      for (int b = 0; b < random.nextInt(8); b++) {
        String[] sc = scopes.get(random.nextInt(scopes.size()));
        bindings.add(new Binding("r" + random.nextInt(14) /* r12, r13 unknown */, ScopeType.valueOf(sc[0]), sc[1],
            random.nextInt(4) == 0 ? Effect.DENY : Effect.ALLOW));
      }
      GrantSnapshot s = GrantSnapshot.compile(bindings, rolePool::get, catalog);
      for (ScopeChain chain : chains) {
        BitSet effective = BitSet.valueOf(s.effective(chain));
        for (String p : perms) {
          boolean expected = naive(bindings, rolePool, p, chain);
          assertThat(s.allowed(p, chain)).as(p + " on " + chain + " with " + bindings).isEqualTo(expected);
          assertThat(effective.get(catalog.id(p))).isEqualTo(expected);
        }
      }
    }
  }

  /** The rule, evaluated literally. */
  private static boolean naive(List<Binding> bindings, Map<String, RoleDefinition> roles, String permission,
                               ScopeChain chain) {
    boolean allowed = false;
    for (Binding b : bindings) {
      RoleDefinition role = roles.get(b.role());
      boolean onChain = switch (b.type()) {
        case PLATFORM -> true;
        case ORG -> b.scopeId().equals(chain.organizationId());
        case PROJECT -> b.scopeId().equals(chain.projectId());
        case RESOURCE -> b.scopeId().equals(chain.resource());
      };
      if (role == null || !onChain
          || role.permissions().stream().noneMatch(p -> p.equals("*") || p.equals(permission)
          || (p.endsWith(".*") && permission.startsWith(p.substring(0, p.length() - 1))))) {
        continue;
      }
      if (b.effect() == Effect.DENY) {
        return false;
      }
      allowed = true;
    }
    return allowed;
  }

  @Test
  void groupsCountThroughTheUnionOfTheirBindings() {
    List<Binding> user = List.of(allow(PROJECT_VIEWER, PROJECT, "p1"));
    List<Binding> gpuTeam = List.of(allow(COMPUTE_ADMIN, PROJECT, "p1"), deny(COMPUTE_ADMIN, RESOURCE, "clusters/c2"));
    List<Binding> auditors = List.of(allow(ORG_VIEWER, ORG, "globex"));
    List<Binding> union = new ArrayList<>(user);
    union.addAll(gpuTeam);
    union.addAll(auditors);
    GrantSnapshot alone = GrantSnapshot.compile(user, roles, CATALOG);
    GrantSnapshot withGroups = GrantSnapshot.compile(union, roles, CATALOG);
    assertThat(alone.allowed(CREATE, P1)).isFalse();
    assertThat(withGroups.allowed(CREATE, P1)).isTrue();
    assertThat(withGroups.allowed(Permissions.CLUSTERS_DELETE, C1)).isTrue();
    assertThat(withGroups.allowed(Permissions.CLUSTERS_DELETE, C2)).as("a group's deny applies").isFalse();
    assertThat(withGroups.allowed(GET, C2)).as("compute-admin's deny covers get, whoever allows it").isFalse();
    assertThat(withGroups.allowed(Permissions.PROJECTS_GET, P1)).isTrue();
    assertThat(withGroups.allowed(Permissions.USERS_LIST, GLOBEX)).isTrue();
    assertThat(withGroups.allowed(Permissions.USERS_LIST, ACME)).isFalse();
  }

  @Test
  void aCeilingCapsAllowsAndKeepsDenies() {
    GrantSnapshot admin = compile(allow(ORG_ADMIN, ORG, "acme"), deny(COMPUTE_ADMIN, PROJECT, "p2"));
    long[] keyRoles = CATALOG.expandAll(PredefinedRoles.standard().get(COMPUTE_VIEWER).permissions());
    GrantSnapshot key = admin.ceiling(keyRoles);
    assertThat(key.allowed(GET, P1)).isTrue();
    assertThat(key.allowed(CREATE, P1)).isFalse();
    assertThat(key.allowed(Permissions.PROJECTS_CREATE, ACME)).isFalse();
    assertThat(key.allowed(GET, P2)).as("the creator's deny still applies").isFalse();
    assertThat(admin.allowed(CREATE, P1)).as("the original is unchanged").isTrue();
    assertThat(admin.ceiling(BitSet.valueOf(keyRoles)).allowed(GET, P1)).isTrue();

    // a ceiling beyond the grants adds nothing
    GrantSnapshot wide = compile(allow(COMPUTE_VIEWER, PROJECT, "p1")).ceiling(CATALOG.expand("*"));
    assertThat(wide.allowed(CREATE, P1)).isFalse();

    // a narrowed token of the key caps further: the intersection
    GrantSnapshot narrowed = key.ceiling(CATALOG.expandAll(List.of(Permissions.CLUSTERS_LIST)));
    assertThat(narrowed.allowed(Permissions.CLUSTERS_LIST, P1)).isTrue();
    assertThat(narrowed.allowed(GET, P1)).isFalse();
    assertThat(admin.ceiling(new long[0]).allowed(GET, P1)).as("an empty ceiling allows nothing").isFalse();
  }

  @Test
  void confiningToAScopeRefusesTargetsOutsideIt() {
    GrantSnapshot operator = compile(allow(PLATFORM_ADMIN, PLATFORM, null));
    GrantSnapshot acmeOnly = operator.confine(ORG, "acme");
    assertThat(acmeOnly.allowed(CREATE, P1)).isTrue();
    assertThat(acmeOnly.allowed(Permissions.ORGANIZATIONS_UPDATE, ACME)).isTrue();
    assertThat(acmeOnly.allowed(CREATE, G1)).isFalse();
    assertThat(acmeOnly.allowed(Permissions.KEYS_ROTATE, PLATFORM_CHAIN)).isFalse();
    GrantSnapshot p1Only = acmeOnly.confine(PROJECT, "p1");
    assertThat(p1Only.allowed(CREATE, C1)).isTrue();
    assertThat(p1Only.allowed(CREATE, P2)).isFalse();
    assertThat(p1Only.allowed(Permissions.PROJECTS_LIST, ACME)).isFalse();
    assertThat(p1Only.confine(PROJECT, "p2").allowed(CREATE, P2)).as("conflicting confinements: nothing").isFalse();
    assertThat(p1Only.confine(PROJECT, "p1").allowed(CREATE, P1)).isTrue();
    assertThat(operator.confine(PLATFORM, null)).isSameAs(operator);
    assertThat(operator.confine(ORG, "acme").effective(GLOBEX)).containsOnly(0L);
  }

  @Test
  void onlyGrantWhatYouHold() {
    Map<String, RoleDefinition> predefined = PredefinedRoles.standard();
    GrantSnapshot orgAdmin = compile(allow(ORG_ADMIN, ORG, "acme"));
    assertThat(orgAdmin.holds(predefined.get(PROJECT_ADMIN).permissions(), P1)).isTrue();
    assertThat(orgAdmin.holds(predefined.get(ORG_ADMIN).permissions(), ACME)).isTrue();
    assertThat(orgAdmin.holds(predefined.get(ORG_VIEWER).permissions(), GLOBEX)).isFalse();
    assertThat(orgAdmin.holds(predefined.get(PLATFORM_ADMIN).permissions(), ACME)).isFalse();
    assertThat(orgAdmin.missing(predefined.get(PLATFORM_ADMIN).permissions(), ACME))
        .containsExactlyInAnyOrder(Permissions.TOKENS_INTROSPECT, Permissions.KEYS_ROTATE);

    GrantSnapshot projectAdmin = compile(allow(PROJECT_ADMIN, PROJECT, "p1"), deny(COMPUTE_ADMIN, RESOURCE, "clusters/c2"));
    assertThat(projectAdmin.holds(predefined.get(COMPUTE_ADMIN).permissions(), P1)).isTrue();
    assertThat(projectAdmin.holds(predefined.get(PROJECT_VIEWER).permissions(), ACME)).as("not at the org").isFalse();
    assertThat(projectAdmin.holds(predefined.get(COMPUTE_VIEWER).permissions(), C2)).as("denied there").isFalse();
    assertThat(projectAdmin.holds(List.of("compute.clusters.get", "compute.clusters.scale"), P1))
        .as("an unknown permission is never held").isFalse();
    assertThat(projectAdmin.missing(List.of("compute.clusters.get", "compute.clusters.scale", "iam.roles.create"), P1))
        .containsExactly("compute.clusters.scale", "iam.roles.create");
    assertThat(projectAdmin.holds(List.of(), P1)).isTrue();
  }

  @Test
  void predefinedRolesDecideSensibly() {
    GrantSnapshot viewer = compile(allow(ORG_VIEWER, ORG, "acme"), allow(PROJECT_VIEWER, PROJECT, "g1"),
        allow(COMPUTE_VIEWER, PLATFORM, null));
    for (String p : CATALOG.names()) {
      boolean write = !(p.endsWith(".get") || p.endsWith(".list"));
      if (write) {
        for (ScopeChain c : CHAINS) {
          assertThat(viewer.allowed(p, c)).as(p + " on " + c).isFalse();
        }
      }
    }
    assertThat(viewer.allowed(Permissions.PROJECTS_GET, P1)).isTrue();

    GrantSnapshot orgAdminEverywhere = compile(allow(ORG_ADMIN, PLATFORM, null));
    for (ScopeChain c : CHAINS) {
      assertThat(orgAdminEverywhere.allowed(Permissions.KEYS_ROTATE, c)).isFalse();
    }
    GrantSnapshot orgAdmin = compile(allow(ORG_ADMIN, ORG, "acme"));
    assertThat(orgAdmin.allowed(Permissions.ORGANIZATIONS_CREATE, PLATFORM_CHAIN)).isFalse();
    assertThat(orgAdmin.allowed(Permissions.ORGANIZATIONS_DELETE, ACME)).isTrue();

    GrantSnapshot platformAdmin = compile(allow(PLATFORM_ADMIN, PLATFORM, null));
    for (String p : CATALOG.names()) {
      for (ScopeChain c : CHAINS) {
        assertThat(platformAdmin.allowed(p, c)).as(p + " on " + c).isTrue();
      }
    }
  }

  @Test
  void unknownRolesAreIgnoredAndReported() {
    custom.put("stale", new RoleDefinition("stale", "acme", List.of("compute.clusters.get", "compute.gpus.*", "bad.*.x")));
    GrantSnapshot s = GrantSnapshot.compile(java.util.Arrays.asList(
        allow("gone", ORG, "acme"), null, allow(COMPUTE_VIEWER, PROJECT, "p1"), deny("gone", PLATFORM, null),
        allow("also-gone", PROJECT, "p2"), allow("stale", ORG, "acme")), roles, CATALOG);
    assertThat(s.unknownRoles()).containsExactly("gone", "also-gone");
    assertThat(s.ignoredBindings()).containsExactly(allow("gone", ORG, "acme"), deny("gone", PLATFORM, null),
        allow("also-gone", PROJECT, "p2"));
    assertThat(s.unknownPermissions()).containsExactly("compute.gpus.*", "bad.*.x");
    assertThat(s.allowed(GET, P1)).isTrue();
    assertThat(s.allowed(GET, P2)).as("known part of the stale role, at acme").isTrue();
    assertThat(s.allowed(CREATE, P2)).isFalse();
  }

  @Test
  void aCustomRoleCountsOnlyInsideItsOrganization() {
    custom.put("gpu-operators", new RoleDefinition("gpu-operators", "acme", List.of("compute.clusters.*")));
    GrantSnapshot s = compile(allow("gpu-operators", ORG, "acme"), allow("gpu-operators", ORG, "globex"),
        allow("gpu-operators", PLATFORM, null));
    assertThat(s.allowed(CREATE, P1)).isTrue();
    assertThat(s.allowed(CREATE, G1)).isFalse();
    assertThat(s.ignoredBindings()).containsExactly(allow("gpu-operators", ORG, "globex"),
        allow("gpu-operators", PLATFORM, null));
    assertThat(s.unknownRoles()).isEmpty();
  }

  @Test
  void unknownPermissionsAndBadArgumentsAreRefused() {
    GrantSnapshot s = compile(allow(PLATFORM_ADMIN, PLATFORM, null));
    assertThat(s.allowed("compute.clusters.scale", P1)).isFalse();
    assertThat(s.allowed("compute.*", P1)).isFalse();
    assertThat(s.allowed((String) null, P1)).isFalse();
    assertThat(s.allowed(-1, P1)).isFalse();
    assertThat(s.allowed(CATALOG.size(), P1)).isFalse();
    assertThat(s.allowed(0, null)).isFalse();
    assertThat(GrantSnapshot.empty(CATALOG).allowed(GET, P1)).isFalse();
    assertThat(GrantSnapshot.empty(CATALOG).scopeCount()).isZero();
  }

  @Test
  void theDecisionAllocatesNothing() {
    GrantSnapshot s = compile(allow(ORG_ADMIN, ORG, "acme"), deny(COMPUTE_ADMIN, PROJECT, "p2"),
        allow(COMPUTE_ADMIN, RESOURCE, "clusters/c1"), allow(COMPUTE_VIEWER, PLATFORM, null));
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    int create = CATALOG.id(CREATE);
    int sink = 0;
    for (int i = 0; i < 200_000; i++) { // warm up
      sink += decide(s, create, i);
    }
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 1_000_000; i++) {
      sink += decide(s, create, i);
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    assertThat(sink).isPositive();
    assertThat(allocated).as("bytes allocated by a million decisions").isLessThan(1024);
  }

  private static int decide(GrantSnapshot s, int create, int i) {
    ScopeChain c = CHAINS.get(i & 7);
    return (s.allowed(create, c) ? 1 : 0) + (s.allowed(GET, c) ? 1 : 0);
  }

  @Test
  void bindingsNormalizeTheirScopeAndEffect() {
    assertThat(new Binding("r", PLATFORM, "ignored", null)).isEqualTo(allow("r", PLATFORM, null));
    assertThat(ScopeType.fromWire("organization")).isEqualTo(ORG);
    assertThat(ScopeType.fromWire("project")).isEqualTo(PROJECT);
    assertThat(Effect.fromWire(null)).isEqualTo(Effect.ALLOW);
    assertThat(Effect.fromWire("deny")).isEqualTo(Effect.DENY);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> allow("r", ORG, null))
        .isInstanceOf(NullPointerException.class);
  }

  private static <T> void permutations(List<T> items, int k, Collection<List<T>> out) {
    if (k == items.size()) {
      out.add(List.copyOf(items));
      return;
    }
    for (int i = k; i < items.size(); i++) {
      java.util.Collections.swap(items, k, i);
      permutations(items, k + 1, out);
      java.util.Collections.swap(items, k, i);
    }
  }

  @Test
  void bindingsRecordingAnOrganizationNeverReachAnotherOrganizationsProjectOfTheSameId() {
    // acme bound "shared" when it was acme's project; globex now has a project of that id
    GrantSnapshot s = compile(new Binding(PROJECT_ADMIN, PROJECT, "shared", Effect.ALLOW, "acme"),
        new Binding(COMPUTE_ADMIN, RESOURCE, "projects/shared/compute/clusters/c", Effect.ALLOW, "acme"));
    assertThat(s.allowed(Permissions.PROJECTS_UPDATE, ScopeChain.project("acme", "shared"))).isTrue();
    assertThat(s.allowed(Permissions.PROJECTS_UPDATE, ScopeChain.project("globex", "shared"))).isFalse();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE,
        ScopeChain.resource("globex", "shared", "projects/shared/compute/clusters/c"))).isFalse();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE,
        ScopeChain.resource("acme", "shared", "projects/shared/compute/clusters/c"))).isTrue();
    assertThat(s.effective(ScopeChain.project("globex", "shared"))).containsOnly(0L);
  }

  @Test
  void aCustomRoleOfAnotherOrganizationNeverCountsInABindingThatRecordsItsOwn() {
    custom.put("ci-role", new RoleDefinition("ci-role", "globex", List.of("iam.*")));
    GrantSnapshot s = compile(new Binding("ci-role", PROJECT, "p1", Effect.ALLOW, "acme"));
    assertThat(s.allowed(Permissions.POLICIES_CREATE, P1)).isFalse();
    assertThat(s.ignoredBindings()).hasSize(1);
    custom.put("acme-role", new RoleDefinition("acme-role", "acme", List.of("iam.*")));
    assertThat(compile(new Binding("acme-role", PROJECT, "p1", Effect.ALLOW, "acme"))
        .allowed(Permissions.POLICIES_CREATE, P1)).isTrue();
  }

  @Test
  void aResourceBindingReachesTheResourcesBelowItOnly() {
    GrantSnapshot s = compile(allow(PROJECT_EDITOR, PROJECT, "p1"),
        deny(COMPUTE_ADMIN, RESOURCE, "projects/p1/compute/clusters/prod"),
        allow(COMPUTE_ADMIN, RESOURCE, "projects/p2/compute/clusters/dev"));
    String prod = "projects/p1/compute/clusters/prod";
    for (String below : List.of(prod, prod + "/kubeconfigs", prod + "/kubeconfigs/admin", prod + "/nodepools/gpu")) {
      assertThat(s.allowed(Permissions.KUBECONFIGS_CREATE, ScopeChain.resource("acme", "p1", below))).as(below).isFalse();
      ScopeChain c = ScopeChain.resource("acme", "p1", below);
      assertThat(s.holds(List.of("compute.clusters.get"), c)).as(below).isFalse();
      assertThat(s.holds(List.of(Permissions.PROJECTS_GET), c)).as("the project's other grants stay").isTrue();
    }
    // a sibling whose name merely starts the same is not below it
    assertThat(s.allowed(Permissions.CLUSTERS_UPDATE, ScopeChain.resource("acme", "p1", prod + "-2"))).isTrue();
    assertThat(s.allowed(Permissions.CLUSTERS_UPDATE, ScopeChain.resource("acme", "p1", "projects/p1/compute/clusters/pro")))
        .isTrue();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, ScopeChain.resource("acme", "p2", "projects/p2/compute/clusters/dev/x")))
        .isTrue();
    assertThat(s.allowed(Permissions.CLUSTERS_DELETE, ScopeChain.resource("acme", "p2", "projects/p2/compute/clusters/de")))
        .isFalse();
  }
}
