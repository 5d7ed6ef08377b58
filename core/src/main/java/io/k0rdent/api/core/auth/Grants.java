package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.Effect;
import io.k0rdent.api.core.auth.policy.GrantSnapshot;
import io.k0rdent.api.core.auth.policy.PermissionCatalog;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.policy.ScopeType;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Slugs;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The policy engine's front door: the compiled {@link GrantSnapshot} of every principal, kept in this
 * node's memory and dropped when anything it was compiled from changes; every API call, token narrowing
 * and {@code /auth/check} decides against it. Thread-safe; never blocks (a miss reads the inputs through
 * {@link AuthState}, whose Hazelcast implementation answers from near caches).
 *
 * <h2>What a principal holds</h2>
 * <ul>
 *   <li>a service account: its own {@code roles} at its scope (organization or project), plus the
 *       bindings naming it; nothing while it is disabled or gone;</li>
 *   <li>a user: the bindings naming it and those naming each group it is a member of; nothing unless it
 *       is {@code active};</li>
 *   <li>a configured client (the provider's bootstrap account): its configured roles at platform scope.</li>
 * </ul>
 * A token then acts with at most that ({@link #effective}): a token confined to a project decides only
 * inside it, and a token with a role ceiling ({@link Principal#roles} not null: an API key's roles, a
 * {@code scope_narrowing}'s) only with the permissions of those roles.
 *
 * <h2>Invalidation</h2>
 * Each snapshot remembers the inputs it was read from ({@code KIND:id} of {@link AuthState.Kind}); a
 * change announced through {@link AuthState#changed} (this node's own synchronously, others' over the
 * cluster's reliable topic) drops every snapshot that read the changed input. A snapshot whose compile
 * overlapped a change of one of its inputs is answered but never cached.
 */
public final class Grants {

  /** Snapshots cached before the cache is emptied (they cost one compile each to rebuild). */
  public static final int DEFAULT_MAX_ENTRIES = 100_000;

  private final AuthState state;
  private final ClientRegistry configured;
  private final PermissionCatalog catalog;
  private final Map<String, RoleDefinition> predefined;
  private final int maxEntries;
  private final Map<String, GrantSnapshot> compiled = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> dependents = new ConcurrentHashMap<>();
  private final Map<String, Long> lastChange = new ConcurrentHashMap<>();
  private final Map<String, Capped> capped = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private volatile long clearedAt;

  private record Capped(GrantSnapshot base, GrantSnapshot effective) {}

  /** Over the product's catalogue and predefined roles; listens to {@code state}'s changes. */
  public Grants(AuthState state, ClientRegistry configured) {
    this(state, configured, Permissions.catalog(), PredefinedRoles.standard(), DEFAULT_MAX_ENTRIES);
  }

  public Grants(AuthState state, ClientRegistry configured, PermissionCatalog catalog,
                Map<String, RoleDefinition> predefined, int maxEntries) {
    this.state = Objects.requireNonNull(state, "state");
    this.configured = Objects.requireNonNull(configured, "configured");
    this.catalog = catalog;
    this.predefined = predefined;
    this.maxEntries = maxEntries;
    state.addChangeListener(this::changed);
  }

  /** The catalogue decisions are made over. */
  public PermissionCatalog catalog() {
    return catalog;
  }

  /** The live state the grants are read from. */
  public AuthState state() {
    return state;
  }

  // ---- principals ------------------------------------------------------------------------------------------

  /**
   * The principal a token's {@code sub} names: a configured client ({@code client:<clientId>}), a service
   * account (a client id {@code <id>@<org>.iam}) or a user (any other slug); null when it names none.
   */
  public PrincipalRef principalOf(String subject) {
    if (subject == null) {
      return null;
    }
    if (configured.bySubject(subject) != null) {
      return new PrincipalRef("client", subject);
    }
    int at = subject.indexOf('@');
    if (at > 0) {
      String id = subject.substring(0, at);
      return Slugs.isValid(id) && subject.endsWith(".iam") ? PrincipalRef.serviceAccount(id) : null;
    }
    return Slugs.isValid(subject) ? PrincipalRef.user(subject) : null;
  }

  /** The grants of principal {@code p} (user, service account or configured client); empty when unknown. */
  public Future<GrantSnapshot> of(PrincipalRef p) {
    if (p == null) {
      return Future.succeededFuture(GrantSnapshot.empty(catalog));
    }
    String key = AuthState.principalKey(p);
    GrantSnapshot known = compiled.get(key);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    long started = generation.get();
    Set<String> deps = new LinkedHashSet<>();
    return inputs(p, deps).compose(bindings -> roles(bindings, deps).map(roles -> {
      GrantSnapshot s = GrantSnapshot.compile(bindings, PredefinedRoles.resolver(predefined, roles::get), catalog);
      cache(key, s, deps, started);
      return s;
    }));
  }

  /**
   * What the token of {@code p} may do: its principal's grants, confined to the token's project when it
   * is scoped to one, and capped by its role ceiling when it has one. Cached per (principal, ceiling,
   * project) until the principal's grants or a custom role change.
   */
  public Future<GrantSnapshot> effective(Principal p) {
    PrincipalRef ref = principalOf(p.subject());
    boolean project = "project".equals(p.scope()) && p.scopeId() != null;
    return of(ref).compose(base -> {
      if (!project && p.roles() == null) {
        return Future.succeededFuture(base);
      }
      String key = AuthState.principalKey(ref == null ? new PrincipalRef("none", "") : ref) + "|"
          + (p.roles() == null ? "-" : String.join(",", RoleSets.normalize(p.roles()))) + "|"
          + (project ? p.tenantId() + "/" + p.scopeId() : "");
      Capped c = capped.get(key);
      if (c != null && c.base() == base) {
        return Future.succeededFuture(c.effective());
      }
      GrantSnapshot confined = !project ? base
          : base.confine(ScopeType.ORG, p.tenantId()).confine(ScopeType.PROJECT, p.scopeId());
      Future<GrantSnapshot> result = p.roles() == null ? Future.succeededFuture(confined)
          : mask(p.roles(), p.tenantId()).map(confined::ceiling);
      return result.map(s -> {
        if (capped.size() >= maxEntries) {
          capped.clear();
        }
        capped.put(key, new Capped(base, s));
        return s;
      });
    });
  }

  /** Whether the token of {@code p} may {@code permission} on {@code chain} ({@link #effective}). */
  public Future<Boolean> allows(Principal p, String permission, ScopeChain chain) {
    return effective(p).map(s -> s.allowed(permission, chain));
  }

  /**
   * The permissions {@code roles} grant together, as a ceiling for a token or key of organization
   * {@code organizationId}: custom roles are read through the state, and one of another organization (an
   * id its owner freed and another took) or an unknown one grants nothing.
   */
  public Future<long[]> mask(List<String> roles, String organizationId) {
    List<Future<RoleDefinition>> defs = new ArrayList<>();
    for (String r : roles) {
      RoleDefinition d = predefined.get(r);
      defs.add(d != null ? Future.succeededFuture(d) : state.customRole(r));
    }
    return Future.all(defs).map(all -> {
      long[] union = new long[catalog.words()];
      for (int i = 0; i < defs.size(); i++) {
        RoleDefinition d = all.resultAt(i);
        if (d != null && (d.organizationId() == null || d.organizationId().equals(organizationId))) {
          PermissionCatalog.or(union, d.mask(catalog));
        }
      }
      return union;
    });
  }

  /** The definition of role {@code id}: predefined, or a custom one read through the state; null when unknown. */
  public Future<RoleDefinition> role(String id) {
    RoleDefinition d = predefined.get(id);
    return d != null ? Future.succeededFuture(d) : state.customRole(id);
  }

  private Future<List<Binding>> inputs(PrincipalRef p, Set<String> deps) {
    switch (p.type()) {
      case "client" -> {
        ClientRegistry.Client c = configured.bySubject(p.id());
        List<Binding> out = new ArrayList<>();
        if (c != null) {
          c.roles().forEach(r -> out.add(Binding.allow(r, ScopeType.PLATFORM, null)));
        }
        return Future.succeededFuture(out);
      }
      case PrincipalRef.SERVICE_ACCOUNT -> {
        deps.add(dep(AuthState.Kind.SERVICE_ACCOUNT, p.id()));
        deps.add(dep(AuthState.Kind.BINDINGS, AuthState.principalKey(p)));
        return state.serviceAccount(p.id()).compose(sa -> {
          if (sa == null || !sa.active()) {
            return Future.succeededFuture(List.of());
          }
          return state.bindings(p).map(bound -> {
            List<Binding> out = new ArrayList<>(bound);
            ScopeType scope = "project".equals(sa.scope()) ? ScopeType.PROJECT : ScopeType.ORG;
            sa.roles().forEach(r -> out.add(new Binding(r, scope, sa.scopeId(), Effect.ALLOW, sa.organizationId())));
            return out;
          });
        });
      }
      case PrincipalRef.USER -> {
        deps.add(dep(AuthState.Kind.USER, p.id()));
        deps.add(dep(AuthState.Kind.BINDINGS, AuthState.principalKey(p)));
        deps.add(dep(AuthState.Kind.MEMBERSHIPS, p.id()));
        return state.user(p.id()).compose(u -> {
          if (u == null || !u.active()) {
            return Future.succeededFuture(List.of());
          }
          Future<List<Binding>> own = state.bindings(p);
          return state.groupsOf(p.id()).compose(groups -> {
            List<Future<List<Binding>>> all = new ArrayList<>();
            all.add(own);
            for (String g : groups) {
              PrincipalRef group = PrincipalRef.group(g);
              deps.add(dep(AuthState.Kind.BINDINGS, AuthState.principalKey(group)));
              all.add(state.bindings(group));
            }
            return Future.all(all).map(done -> {
              List<Binding> out = new ArrayList<>();
              for (int i = 0; i < all.size(); i++) {
                List<Binding> part = done.resultAt(i);
                out.addAll(part);
              }
              return out;
            });
          });
        });
      }
      default -> {
        return Future.succeededFuture(List.of());
      }
    }
  }

  /** The custom roles {@code bindings} name, by id (unknown ones absent). */
  private Future<Map<String, RoleDefinition>> roles(List<Binding> bindings, Set<String> deps) {
    Set<String> custom = new LinkedHashSet<>();
    for (Binding b : bindings) {
      if (!predefined.containsKey(b.role())) {
        custom.add(b.role());
      }
    }
    if (custom.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<String> ids = new ArrayList<>(custom);
    List<Future<RoleDefinition>> reads = new ArrayList<>();
    for (String id : ids) {
      deps.add(dep(AuthState.Kind.ROLE, id));
      reads.add(state.customRole(id));
    }
    return Future.all(reads).map(done -> {
      Map<String, RoleDefinition> out = new HashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        RoleDefinition d = done.resultAt(i);
        if (d != null) {
          out.put(ids.get(i), d);
        }
      }
      return out;
    });
  }

  // ---- cache -----------------------------------------------------------------------------------------------

  private static String dep(AuthState.Kind kind, String id) {
    return kind.name() + ":" + id;
  }

  private void cache(String key, GrantSnapshot s, Set<String> deps, long started) {
    if (compiled.size() >= maxEntries) {
      compiled.clear();
      dependents.clear();
    }
    for (String d : deps) {
      dependents.computeIfAbsent(d, x -> ConcurrentHashMap.newKeySet()).add(key);
    }
    compiled.put(key, s);
    // A change of an input since the compile began: it may have read the old value; do not keep it.
    boolean stale = started < clearedAt;
    for (String d : deps) {
      Long at = lastChange.get(d);
      stale |= at != null && at > started;
    }
    if (stale) {
      compiled.remove(key, s);
    }
  }

  /** Drops every snapshot that read {@code kind}/{@code id} (the state calls this for each announced change). */
  public void changed(AuthState.Kind kind, String id) {
    String d = dep(kind, id);
    long gen = generation.incrementAndGet();
    if (lastChange.size() >= maxEntries) {
      lastChange.clear();
      clearedAt = gen;
    }
    lastChange.put(d, gen);
    Set<String> keys = dependents.remove(d);
    if (keys != null) {
      keys.forEach(compiled::remove);
    }
    if (kind == AuthState.Kind.ROLE) {
      capped.clear(); // ceilings name roles directly
    }
  }

  /**
   * Whether the effective grants {@code grants} allow {@code permission} on {@code chain}; false for a
   * permission outside the catalogue.
   */
  public static boolean allowed(GrantSnapshot grants, String permission, ScopeChain chain) {
    return grants != null && grants.allowed(permission, chain);
  }
}
