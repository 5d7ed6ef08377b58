package io.k0rdent.api.perf;

import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.Effect;
import io.k0rdent.api.core.auth.policy.GrantSnapshot;
import io.k0rdent.api.core.auth.policy.PermissionCatalog;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.policy.ScopeType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The policy engine's decision core ({@code io.k0rdent.api.core.auth.policy}) on a synthetic catalogue
 * of 1,000 permissions (10 services x 10 resources x 10 verbs) and 60 roles (service and resource
 * wildcards, enumerated viewers, random exact lists):
 * <ul>
 *   <li>{@code baseline}: one {@code HashMap<String, Boolean>} lookup of a precomputed key (a decision
 *       cache hit, the cheapest possible answer);</li>
 *   <li>{@code decide}: one decision by permission id against a warm snapshot of a principal with 50
 *       bindings (1 platform, 10 organization, 19 project, 20 resource; one in five a deny), over 1,024
 *       precomputed targets (resource, project, organization and platform chains, inside and outside
 *       the principal's scopes) visited in turn;</li>
 *   <li>{@code decideByName}: the same by permission name (adds the name's interning lookup);</li>
 *   <li>{@code decideBatch10}, {@code decideBatch100}: 10 or 100 consecutive targets decided by permission
 *       name, as {@code /auth/check} decides a request of 10 or 100 checks once their scope chains are
 *       resolved ({@code Grants.allowed(snapshot, action, chain)} per check; the answer's JSON is not
 *       built here);</li>
 *   <li>{@code compile50}: compiling that principal's snapshot;</li>
 *   <li>{@code compile1000}: compiling a snapshot of 1,000 bindings (20 organizations, 200 projects,
 *       500 resources, one in five a deny).</li>
 * </ul>
 * Report each as a ratio to {@code baseline} from the same run.
 * Run: {@code java -jar perf/target/benchmarks.jar PolicyDecisionBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyDecisionBenchmark {

  private static final String[] VERBS = {"get", "list", "create", "update", "delete", "start", "stop", "scale",
      "attach", "detach"};
  private static final int QUERIES = 1024;

  private PermissionCatalog catalog;
  private Map<String, RoleDefinition> roles;
  private GrantSnapshot snapshot;
  private List<Binding> bindings50;
  private List<Binding> bindings1000;
  private int[] permissionIds;
  private String[] permissionNames;
  private ScopeChain[] chains;
  private String[] cacheKeys;
  private Map<String, Boolean> cache;
  private int next;

  @Setup
  public void setup() {
    Random random = new Random(20240501L);
    List<String> names = new ArrayList<>();
    for (int s = 0; s < 10; s++) {
      for (int r = 0; r < 10; r++) {
        for (String v : VERBS) {
          names.add("svc" + s + ".res" + r + "." + v);
        }
      }
    }
    catalog = PermissionCatalog.of(names);

    roles = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      List<String> perms = new ArrayList<>();
      switch (i % 4) {
        case 0 -> perms.add("svc" + random.nextInt(10) + ".*");
        case 1 -> {
          perms.add("svc" + random.nextInt(10) + ".res" + random.nextInt(10) + ".*");
          perms.add("svc" + random.nextInt(10) + ".res" + random.nextInt(10) + ".*");
        }
        case 2 -> { // a viewer: get/list of one service, enumerated
          int s = random.nextInt(10);
          for (int r = 0; r < 10; r++) {
            perms.add("svc" + s + ".res" + r + ".get");
            perms.add("svc" + s + ".res" + r + ".list");
          }
        }
        default -> {
          for (int k = 0; k < 10 + random.nextInt(20); k++) {
            perms.add(names.get(random.nextInt(names.size())));
          }
        }
      }
      roles.put("role" + i, new RoleDefinition("role" + i, null, perms));
    }

    // The principal: orgs o0..o4, projects p0..p19 (p_i in o_(i%5)), resources r0..r39 (r_j in p_(j%20)).
    bindings50 = new ArrayList<>();
    bindings50.add(new Binding("role2", ScopeType.PLATFORM, null, Effect.ALLOW));
    for (int i = 0; i < 49; i++) {
      ScopeType type;
      String id;
      if (i < 10) {
        type = ScopeType.ORG;
        id = "o" + (i % 5);
      } else if (i < 29) {
        type = ScopeType.PROJECT;
        id = "p" + (i % 20);
      } else {
        type = ScopeType.RESOURCE;
        id = resource(i % 40);
      }
      bindings50.add(new Binding("role" + random.nextInt(60), type, id, i % 5 == 4 ? Effect.DENY : Effect.ALLOW));
    }
    snapshot = GrantSnapshot.compile(bindings50, roles::get, catalog);

    bindings1000 = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      int kind = random.nextInt(10);
      ScopeType type = kind < 2 ? ScopeType.ORG : kind < 6 ? ScopeType.PROJECT : ScopeType.RESOURCE;
      String id = switch (type) {
        case ORG -> "o" + random.nextInt(20);
        case PROJECT -> "p" + random.nextInt(200);
        default -> "projects/p" + random.nextInt(200) + "/things/r" + random.nextInt(500);
      };
      bindings1000.add(new Binding("role" + random.nextInt(60), type, id,
          random.nextInt(5) == 0 ? Effect.DENY : Effect.ALLOW));
    }

    permissionIds = new int[QUERIES];
    permissionNames = new String[QUERIES];
    chains = new ScopeChain[QUERIES];
    cacheKeys = new String[QUERIES];
    cache = new HashMap<>();
    int allowed = 0;
    for (int q = 0; q < QUERIES; q++) {
      int p = random.nextInt(catalog.size());
      permissionIds[q] = p;
      permissionNames[q] = catalog.name(p);
      int project = random.nextInt(25); // p20..p24: projects the principal has no binding in
      int org = project % 5;
      chains[q] = switch (random.nextInt(4)) {
        case 0 -> ScopeChain.organization("o" + org);
        case 1 -> ScopeChain.project("o" + org, "p" + project);
        case 2 -> ScopeChain.resource("o" + org, "p" + project, resource(random.nextInt(60)));
        default -> ScopeChain.resource("o" + org, "p" + project, resource(project % 20));
      };
      boolean decision = snapshot.allowed(p, chains[q]);
      allowed += decision ? 1 : 0;
      cacheKeys[q] = permissionNames[q] + "|" + chains[q];
      cache.put(cacheKeys[q], decision);
    }
    if (allowed < QUERIES / 20 || allowed > QUERIES * 19 / 20) {
      throw new IllegalStateException("degenerate workload: " + allowed + " of " + QUERIES + " allowed");
    }
    if (GrantSnapshot.compile(bindings1000, roles::get, catalog).scopeCount() < 500) {
      throw new IllegalStateException("degenerate 1,000-binding workload");
    }
  }

  private static String resource(int j) {
    return "projects/p" + (j % 20) + "/things/r" + j;
  }

  private int nextQuery() {
    int q = next;
    next = (q + 1) & (QUERIES - 1);
    return q;
  }

  /** Baseline: a decision-cache hit, one {@code HashMap<String, Boolean>} lookup. */
  @Benchmark
  public Boolean baseline() {
    return cache.get(cacheKeys[nextQuery()]);
  }

  @Benchmark
  public boolean decide() {
    int q = nextQuery();
    return snapshot.allowed(permissionIds[q], chains[q]);
  }

  @Benchmark
  public boolean decideByName() {
    int q = nextQuery();
    return snapshot.allowed(permissionNames[q], chains[q]);
  }

  /** 10 decisions by name, as {@code /auth/check} with 10 checks. */
  @Benchmark
  public int decideBatch10() {
    return batch(10);
  }

  /** 100 decisions by name, as {@code /auth/check} with 100 checks (its maximum). */
  @Benchmark
  public int decideBatch100() {
    return batch(100);
  }

  private int batch(int n) {
    int allowed = 0;
    for (int i = 0; i < n; i++) {
      int q = nextQuery();
      allowed += Grants.allowed(snapshot, permissionNames[q], chains[q]) ? 1 : 0;
    }
    return allowed;
  }

  @Benchmark
  public GrantSnapshot compile50() {
    return GrantSnapshot.compile(bindings50, roles::get, catalog);
  }

  @Benchmark
  public GrantSnapshot compile1000() {
    return GrantSnapshot.compile(bindings1000, roles::get, catalog);
  }
}
