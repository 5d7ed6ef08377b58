package io.k0rdent.api.core.auth.policy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The effective grants of one principal, compiled: per scope (platform, each organization, project and
 * resource it has bindings at) an allow bitset and a deny bitset over a {@link PermissionCatalog}.
 * Immutable and thread-safe (every field is final and no array is mutated or handed out after
 * construction), so one snapshot may be shared by every event loop and cached until the principal's
 * bindings, groups or roles change.
 *
 * <p><b>Decision</b> ({@link #allowed(int, ScopeChain)}): walk the target's chain resource (and each
 * resource path above it: {@code projects/p/compute/clusters/c/kubeconfigs/k} is below
 * {@code projects/p/compute/clusters/c}) → project → organization → platform; if any scope on it denies the permission the answer is false (explicit deny
 * wins, whatever the order of the bindings); otherwise it is true iff some scope on it allows the
 * permission. The decision allocates nothing: a few {@code HashMap<String, long[]>} lookups, one pass over
 * the resource path with a probe per level (only when the principal holds resource bindings), and bit
 * tests.
 *
 * <p><b>Caps</b>: {@link #ceiling} intersects every allow set with a permission set (an API key's role
 * ceiling; a token's narrowed roles) and {@link #confine} restricts decisions to targets inside one scope
 * (a token scoped to an organization or a project). Both return a new snapshot and compose: a capped
 * snapshot never allows more than the one it came from. Deny sets are never reduced.
 *
 * <p>Layout: each scope's bits are one {@code long[2 * words]}, allow word {@code w} at {@code 2w} and
 * deny word {@code w} at {@code 2w + 1}, so a decision touches one cache line per scope.
 */
public final class GrantSnapshot {

  private final PermissionCatalog catalog;
  private final int size;
  private final long[] platform;
  private final Map<String, long[]> orgs;
  private final Map<String, long[]> projects;
  private final Map<String, long[]> resources;
  private final boolean confined;
  private final boolean confinedToNothing;
  private final String confinedOrg;
  private final String confinedProject;
  private final String confinedResource;
  private final Set<String> unknownRoles;
  private final List<String> unknownPermissions;
  private final List<Binding> ignoredBindings;
  private final List<String> roles;
  /** The organization of project (resource) keys bound with one; a target of another organization misses. */
  private final Map<String, String> projectOrgs;
  private final Map<String, String> resourceOrgs;
  /**
   * The resource keys, their bits and organizations, and an open-addressing table over their
   * {@link String#hashCode()}s: every resource path above a target is looked up in one pass over the
   * target's characters (the hash of each prefix is built as it goes), without allocating.
   */
  private final String[] resourceKeys;
  private final long[][] resourceBits;
  private final String[] resourceOwners;
  private final int[] resourceSlots;

  private GrantSnapshot(PermissionCatalog catalog, long[] platform, Map<String, long[]> orgs,
                        Map<String, long[]> projects, Map<String, long[]> resources, boolean confinedToNothing,
                        String confinedOrg, String confinedProject, String confinedResource,
                        Set<String> unknownRoles, List<String> unknownPermissions, List<Binding> ignoredBindings,
                        List<String> roles, Map<String, String> projectOrgs, Map<String, String> resourceOrgs) {
    this.catalog = catalog;
    this.roles = roles;
    this.projectOrgs = projectOrgs;
    this.resourceOrgs = resourceOrgs;
    this.resourceKeys = resources.keySet().toArray(new String[0]);
    this.resourceBits = new long[resourceKeys.length][];
    this.resourceOwners = new String[resourceKeys.length];
    this.resourceSlots = new int[Math.max(2, Integer.highestOneBit(Math.max(1, resourceKeys.length) * 4))];
    java.util.Arrays.fill(resourceSlots, -1);
    for (int k = 0; k < resourceKeys.length; k++) {
      resourceBits[k] = resources.get(resourceKeys[k]);
      resourceOwners[k] = resourceOrgs.get(resourceKeys[k]);
      int i = spread(resourceKeys[k].hashCode()) & (resourceSlots.length - 1);
      while (resourceSlots[i] >= 0) {
        i = (i + 1) & (resourceSlots.length - 1);
      }
      resourceSlots[i] = k;
    }
    this.size = catalog.size();
    this.platform = platform;
    this.orgs = orgs;
    this.projects = projects;
    this.resources = resources;
    this.confinedToNothing = confinedToNothing;
    this.confinedOrg = confinedOrg;
    this.confinedProject = confinedProject;
    this.confinedResource = confinedResource;
    this.confined = confinedToNothing || confinedOrg != null || confinedProject != null || confinedResource != null;
    this.unknownRoles = unknownRoles;
    this.unknownPermissions = unknownPermissions;
    this.ignoredBindings = ignoredBindings;
  }

  /** A snapshot that allows nothing (a principal without bindings). */
  public static GrantSnapshot empty(PermissionCatalog catalog) {
    return compile(List.of(), id -> null, catalog);
  }

  /**
   * Compiles {@code bindings} — a principal's own bindings together with those of all its groups (the
   * union; order and duplicates do not matter) — resolving role ids with {@code roles}.
   *
   * <p>Never throws for bad data; such bindings contribute nothing and are reported:
   * <ul>
   *   <li>a role {@code roles} answers null for: {@link #unknownRoles()}, {@link #ignoredBindings()};</li>
   *   <li>a custom role (with an organization) bound at platform scope, at another organization, or by a
   *       binding that records another organization ({@link Binding#organizationId()}):
   *       {@link #ignoredBindings()};</li>
   *   <li>a project or resource id bound by bindings recording two different organizations: those of the
   *       second are ignored; and a project or resource binding recording its organization never applies to
   *       a target whose chain names another organization (an id reused after a delete);</li>
   *   <li>patterns of the roles used that grant nothing in {@code catalog}: {@link #unknownPermissions()};
   *       the rest of the role still counts;</li>
   *   <li>null entries of {@code bindings}: skipped.</li>
   * </ul>
   * Exceptions thrown by {@code roles} itself propagate.
   *
   * @throws NullPointerException if {@code bindings}, {@code roles} or {@code catalog} is null
   */
  public static GrantSnapshot compile(Collection<Binding> bindings, Function<String, RoleDefinition> roles,
                                      PermissionCatalog catalog) {
    Objects.requireNonNull(bindings, "bindings");
    Objects.requireNonNull(roles, "roles");
    Objects.requireNonNull(catalog, "catalog");
    int words = catalog.words();
    Map<String, RoleDefinition> defs = new HashMap<>();
    Map<String, long[]> masks = new HashMap<>();
    Set<String> unknownRoles = new LinkedHashSet<>();
    Set<String> unknownPermissions = new LinkedHashSet<>();
    List<Binding> ignored = new ArrayList<>();
    Set<String> held = new LinkedHashSet<>();
    Map<String, String> projectOrgs = new HashMap<>();
    Map<String, String> resourceOrgs = new HashMap<>();
    long[] platform = null;
    Map<String, long[]> orgs = new HashMap<>();
    Map<String, long[]> projects = new HashMap<>();
    Map<String, long[]> resources = new HashMap<>();
    for (Binding b : bindings) {
      if (b == null) {
        continue;
      }
      String roleId = b.role();
      long[] mask = masks.get(roleId);
      RoleDefinition def;
      if (mask == null) {
        if (unknownRoles.contains(roleId)) {
          ignored.add(b);
          continue;
        }
        def = roles.apply(roleId);
        if (def == null) {
          unknownRoles.add(roleId);
          ignored.add(b);
          continue;
        }
        mask = new long[words];
        for (String pattern : def.permissions()) {
          long[] m = catalog.maskOrNull(pattern);
          if (m != null) {
            PermissionCatalog.or(mask, m);
          } else {
            unknownPermissions.add(pattern);
          }
        }
        defs.put(roleId, def);
        masks.put(roleId, mask);
      } else {
        def = defs.get(roleId);
      }
      String owner = def.organizationId();
      if (owner != null && (b.type() == ScopeType.PLATFORM
          || (b.type() == ScopeType.ORG && !owner.equals(b.scopeId()))
          || (b.organizationId() != null && !owner.equals(b.organizationId())))) {
        ignored.add(b);
        continue;
      }
      if (b.organizationId() != null && (b.type() == ScopeType.PROJECT || b.type() == ScopeType.RESOURCE)) {
        Map<String, String> owners = b.type() == ScopeType.PROJECT ? projectOrgs : resourceOrgs;
        String first = owners.putIfAbsent(b.scopeId(), b.organizationId());
        if (first != null && !first.equals(b.organizationId())) {
          ignored.add(b); // one id claimed by two organizations: only the first counts
          continue;
        }
      }
      long[] bits = switch (b.type()) {
        case PLATFORM -> platform == null ? (platform = new long[2 * words]) : platform;
        case ORG -> orgs.computeIfAbsent(b.scopeId(), k -> new long[2 * words]);
        case PROJECT -> projects.computeIfAbsent(b.scopeId(), k -> new long[2 * words]);
        case RESOURCE -> resources.computeIfAbsent(b.scopeId(), k -> new long[2 * words]);
      };
      int offset = b.effect() == Effect.DENY ? 1 : 0;
      if (offset == 0) {
        held.add(roleId);
      }
      for (int w = 0; w < words; w++) {
        bits[2 * w + offset] |= mask[w];
      }
    }
    return new GrantSnapshot(catalog, platform, orgs, projects, resources, false, null, null, null,
        Collections.unmodifiableSet(unknownRoles), List.copyOf(unknownPermissions), List.copyOf(ignored),
        List.copyOf(held), Map.copyOf(projectOrgs), Map.copyOf(resourceOrgs));
  }

  /** The catalogue the bitsets are over. */
  public PermissionCatalog catalog() {
    return catalog;
  }

  /**
   * Whether permission {@code permissionId} (an id of {@link #catalog()}) is allowed on the target
   * {@code chain}. False for an id outside the catalogue, a null chain, or a chain outside the
   * confinement ({@link #confine}). Allocation-free.
   */
  public boolean allowed(int permissionId, ScopeChain chain) {
    if (permissionId < 0 || permissionId >= size || chain == null) {
      return false;
    }
    if (confined && !within(chain)) {
      return false;
    }
    int i = (permissionId >>> 6) << 1;
    long bit = 1L << permissionId;
    boolean allow = false;
    long[] e;
    String s;
    if ((s = chain.resource()) != null && resourceKeys.length > 0) {
      // the resource and each resource above it (a/b/c, a/b, a): a binding reaches what lies below
      int n = s.length();
      int h = 0;
      for (int j = 0; j <= n; j++) {
        char c = j < n ? s.charAt(j) : '/';
        if (c == '/' && j > 0) {
          int k = resourceAt(s, j, h, chain.organizationId());
          if (k >= 0) {
            e = resourceBits[k];
            if ((e[i + 1] & bit) != 0) {
              return false;
            }
            allow |= (e[i] & bit) != 0;
          }
        }
        h = 31 * h + c;
      }
    }
    if ((s = chain.projectId()) != null && (e = projects.get(s)) != null
        && !otherOrganization(projectOrgs, s, chain.organizationId())) {
      if ((e[i + 1] & bit) != 0) {
        return false;
      }
      allow |= (e[i] & bit) != 0;
    }
    if ((s = chain.organizationId()) != null && (e = orgs.get(s)) != null) {
      if ((e[i + 1] & bit) != 0) {
        return false;
      }
      allow |= (e[i] & bit) != 0;
    }
    if ((e = platform) != null) {
      if ((e[i + 1] & bit) != 0) {
        return false;
      }
      allow |= (e[i] & bit) != 0;
    }
    return allow;
  }

  /**
   * {@link #allowed(int, ScopeChain)} for a permission name; false when the name is not in the
   * catalogue (unknown permissions are never allowed). Allocation-free (one more hash lookup).
   */
  public boolean allowed(String permission, ScopeChain chain) {
    return allowed(catalog.id(permission), chain);
  }

  /**
   * The index of the resource key equal to the first {@code len} characters of {@code path} (whose
   * {@link String#hashCode()} is {@code hash}), bound in {@code org} or recording no organization; else -1.
   */
  private int resourceAt(String path, int len, int hash, String org) {
    int mask = resourceSlots.length - 1;
    for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
      int k = resourceSlots[i];
      if (k < 0) {
        return -1;
      }
      String key = resourceKeys[k];
      if (key.length() == len && key.hashCode() == hash && path.regionMatches(0, key, 0, len)) {
        String owner = resourceOwners[k];
        return owner == null || owner.equals(org) ? k : -1;
      }
    }
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /** Whether {@code key} was bound in an organization other than {@code org} (the target's). */
  private static boolean otherOrganization(Map<String, String> owners, String key, String org) {
    if (owners.isEmpty()) {
      return false;
    }
    String owner = owners.get(key);
    return owner != null && !owner.equals(org);
  }

  private boolean within(ScopeChain chain) {
    return !confinedToNothing
        && (confinedOrg == null || confinedOrg.equals(chain.organizationId()))
        && (confinedProject == null || confinedProject.equals(chain.projectId()))
        && (confinedResource == null || confinedResource.equals(chain.resource()));
  }

  /**
   * Everything allowed on the target {@code chain}: a fresh bitset of {@link PermissionCatalog#words()}
   * words, the union of the allow sets on the chain minus the union of its deny sets (empty outside the
   * confinement). Bit {@code i} is set iff {@code allowed(i, chain)}.
   */
  public long[] effective(ScopeChain chain) {
    int words = catalog.words();
    long[] allow = new long[words];
    if (chain == null || (confined && !within(chain))) {
      return allow;
    }
    long[] deny = new long[words];
    List<long[]> scopes = new ArrayList<>();
    String r = chain.resource();
    if (r != null && resourceKeys.length > 0) {
      int h = 0;
      for (int j = 0; j <= r.length(); j++) {
        char c = j < r.length() ? r.charAt(j) : '/';
        if (c == '/' && j > 0) {
          int k = resourceAt(r, j, h, chain.organizationId());
          if (k >= 0) {
            scopes.add(resourceBits[k]);
          }
        }
        h = 31 * h + c;
      }
    }
    for (long[] e : new long[][] {
        chain.projectId() == null || otherOrganization(projectOrgs, chain.projectId(), chain.organizationId()) ? null
            : projects.get(chain.projectId()),
        chain.organizationId() == null ? null : orgs.get(chain.organizationId()),
        platform}) {
      scopes.add(e);
    }
    for (long[] e : scopes) {
      if (e != null) {
        for (int w = 0; w < words; w++) {
          allow[w] |= e[2 * w];
          deny[w] |= e[2 * w + 1];
        }
      }
    }
    for (int w = 0; w < words; w++) {
      allow[w] &= ~deny[w];
    }
    return allow;
  }

  /**
   * "Only grant what you hold": whether every permission {@code rolePermissions} (a role's patterns)
   * grants is allowed on {@code chain} — the test before binding or assigning a role at that scope
   * (pass the chain of the binding's scope: the organization for an organization binding, and so on).
   * False when a pattern is malformed or matches nothing (fail closed; such a role is a 400 anyway).
   */
  public boolean holds(Collection<String> rolePermissions, ScopeChain chain) {
    return missing(rolePermissions, chain).isEmpty();
  }

  /**
   * The part of {@code rolePermissions} not held on {@code chain}, for an error message: the names of
   * the permissions not allowed there (id order), preceded by the patterns that grant nothing in the
   * catalogue. Empty iff {@link #holds}.
   */
  public List<String> missing(Collection<String> rolePermissions, ScopeChain chain) {
    List<String> out = new ArrayList<>(catalog.unknown(rolePermissions));
    long[] need = new long[catalog.words()];
    for (String p : rolePermissions) {
      long[] m = catalog.maskOrNull(p);
      if (m != null) {
        PermissionCatalog.or(need, m);
      }
    }
    long[] have = effective(chain);
    for (int w = 0; w < need.length; w++) {
      need[w] &= ~have[w];
    }
    out.addAll(catalog.names(need));
    return out;
  }

  /**
   * This snapshot with every allow set intersected with {@code allowedIds} (a bitset over
   * {@link #catalog()}: bit {@code id & 63} of word {@code id >>> 6}; missing words count as zero): for an
   * API key's role ceiling, or a token's narrowed roles ({@link PermissionCatalog#expandAll} of their
   * permissions). Deny sets, confinement and the reports are kept. Apply again to cap further.
   */
  public GrantSnapshot ceiling(long[] allowedIds) {
    Objects.requireNonNull(allowedIds, "allowedIds");
    return new GrantSnapshot(catalog, capped(platform, allowedIds), capped(orgs, allowedIds),
        capped(projects, allowedIds), capped(resources, allowedIds), confinedToNothing, confinedOrg,
        confinedProject, confinedResource, unknownRoles, unknownPermissions, ignoredBindings, roles, projectOrgs, resourceOrgs);
  }

  /** {@link #ceiling(long[])} for a {@link BitSet} of permission ids. */
  public GrantSnapshot ceiling(BitSet allowedIds) {
    return ceiling(allowedIds.toLongArray());
  }

  /**
   * This snapshot answering only for targets inside scope {@code type}/{@code id}: for a token scoped
   * to an organization ({@code ORG}, its id) or a project ({@code PROJECT}, its id), every target
   * whose chain does not name that organization (project, resource) is refused, even when a platform
   * binding would allow it. {@code PLATFORM} changes nothing. Confining twice at the same level to
   * different ids leaves a snapshot that allows nothing; confining at different levels requires both.
   *
   * @throws NullPointerException if {@code type} is null, or {@code id} is null below platform
   */
  public GrantSnapshot confine(ScopeType type, String id) {
    Objects.requireNonNull(type, "type");
    if (type == ScopeType.PLATFORM) {
      return this;
    }
    Objects.requireNonNull(id, "id");
    String org = confinedOrg;
    String project = confinedProject;
    String resource = confinedResource;
    boolean nothing = confinedToNothing;
    switch (type) {
      case ORG -> {
        nothing |= org != null && !org.equals(id);
        org = id;
      }
      case PROJECT -> {
        nothing |= project != null && !project.equals(id);
        project = id;
      }
      case RESOURCE -> {
        nothing |= resource != null && !resource.equals(id);
        resource = id;
      }
      default -> throw new IllegalStateException();
    }
    return new GrantSnapshot(catalog, platform, orgs, projects, resources, nothing, org, project, resource,
        unknownRoles, unknownPermissions, ignoredBindings, roles, projectOrgs, resourceOrgs);
  }

  /**
   * The roles this snapshot was compiled from: the distinct role ids of the allow bindings that counted,
   * in first-seen order (at any scope; for display, e.g. introspection's {@code roles}).
   */
  public List<String> roles() {
    return roles;
  }

  /** Role ids the bindings named that the role lookup did not know (in first-seen order). */
  public Set<String> unknownRoles() {
    return unknownRoles;
  }

  /** Patterns of the roles used that grant nothing in the catalogue (malformed or matching nothing). */
  public List<String> unknownPermissions() {
    return unknownPermissions;
  }

  /**
   * The bindings that contributed nothing: unknown role, or a custom role outside its organization
   * (see {@link #compile}).
   */
  public List<Binding> ignoredBindings() {
    return ignoredBindings;
  }

  /** Number of scopes (platform, organizations, projects, resources) holding bits. */
  public int scopeCount() {
    return (platform == null ? 0 : 1) + orgs.size() + projects.size() + resources.size();
  }

  @Override
  public String toString() {
    return "GrantSnapshot{scopes=" + scopeCount() + ", permissions=" + size
        + (confined ? ", confined=" + (confinedToNothing ? "nothing" : confinedOrg + "/" + confinedProject + "/"
        + confinedResource) : "")
        + (unknownRoles.isEmpty() ? "" : ", unknownRoles=" + unknownRoles) + "}";
  }

  private static long[] capped(long[] bits, long[] ceiling) {
    if (bits == null) {
      return null;
    }
    long[] out = bits.clone();
    for (int w = 0; 2 * w < out.length; w++) {
      out[2 * w] &= w < ceiling.length ? ceiling[w] : 0L;
    }
    return out;
  }

  private static Map<String, long[]> capped(Map<String, long[]> scopes, long[] ceiling) {
    Map<String, long[]> out = new HashMap<>(Math.max(4, scopes.size() * 2));
    for (Map.Entry<String, long[]> e : scopes.entrySet()) {
      out.put(e.getKey(), capped(e.getValue(), ceiling));
    }
    return out;
  }
}
