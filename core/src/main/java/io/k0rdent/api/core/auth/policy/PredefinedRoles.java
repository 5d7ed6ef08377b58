package io.k0rdent.api.core.auth.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The eleven predefined roles (no organization, cannot be changed or deleted). Wildcards are only suffixes,
 * so the viewer roles cannot say {@code *.*.get}: their permissions are enumerated from the catalogue
 * they are built over — every permission under the listed prefixes whose verb is {@code get} or
 * {@code list} (read-only verbs; {@code compute.kubeconfigs.get} downloads a kubeconfig and is therefore
 * in the compute viewers' roles too, {@code infrastructure.servers.readLogs} is not). Admin roles use
 * wildcards and so also cover permissions added to those services later.
 *
 * <ul>
 *   <li>{@value #PLATFORM_ADMIN}: {@code *} — everything, including the platform's own operations
 *       ({@code auth.keys.rotate}, {@code auth.tokens.*}, creating organizations).</li>
 *   <li>{@value #ORG_ADMIN}: {@code resourcemanager.*}, {@code iam.*}, {@code compute.*},
 *       {@code infrastructure.*}, {@code auth.check.others}, {@code auth.tokens.revoke},
 *       {@code audit.events.list} — everything in an organization (revoking its members' tokens, as the
 *       contract's revokeToken says of tenant administrators; reading its audit log), but none of the
 *       platform operations ({@code auth.keys.rotate},
 *       {@code auth.tokens.introspect} across organizations). It contains {@code resourcemanager.organizations.create},
 *       which only ever matters when the role is bound at platform scope: creating an organization is
 *       decided against {@link ScopeChain#PLATFORM}, which an organization binding does not reach.</li>
 *   <li>{@value #ORG_VIEWER}: get/list of {@code resourcemanager.}, {@code iam.}, {@code compute.},
 *       {@code infrastructure.}.</li>
 *   <li>{@value #PROJECT_ADMIN}: {@value #PROJECT_EDITOR} plus {@code resourcemanager.projects.update},
 *       {@code resourcemanager.projects.delete}, {@code iam.policies.*}, {@code iam.serviceAccounts.*}
 *       (bindings and service accounts of the project) and get/list of {@code iam.roles.},
 *       {@code iam.users.}, {@code iam.groups.} (to pick whom to bind).</li>
 *   <li>{@value #PROJECT_EDITOR}: {@value #PROJECT_VIEWER} plus {@code compute.*} and
 *       {@code infrastructure.*} — change the project's resources, not its IAM, not the project itself.</li>
 *   <li>{@value #PROJECT_VIEWER}: get/list of {@code resourcemanager.projects.}, {@code compute.},
 *       {@code infrastructure.}, {@code iam.policies.}, {@code iam.serviceAccounts.}.</li>
 *   <li>{@value #COMPUTE_ADMIN}: {@code compute.*}.</li>
 *   <li>{@value #COMPUTE_VIEWER}: get/list of {@code compute.}.</li>
 *   <li>{@value #INFRASTRUCTURE_ADMIN}: {@code infrastructure.*}.</li>
 *   <li>{@value #IAM_ADMIN}: {@code iam.*}, {@code auth.check.others}.</li>
 *   <li>{@value #AUDIT_VIEWER}: {@code audit.events.list} — the audit log alone: bound at platform scope (a provider
 *       principal), every organization's events on Atlas; bound at an organization, that organization's.</li>
 * </ul>
 *
 * <p>The audit log ({@code audit.events.list}) is granted by name, not by an {@code audit.*} wildcard, so that a
 * later audit permission does not reach organization administrators unasked. It is in no viewer role: the log shows
 * who did what from which address across the whole organization (every member's actions, source IP addresses,
 * request ids), which is more than a viewer can read elsewhere. Provider operators read the whole log through
 * {@value #PLATFORM_ADMIN} ({@code *}); a dedicated auditor, platform-wide or in one organization, is bound
 * {@value #AUDIT_VIEWER} (a predefined role because a custom role belongs to one organization and cannot be bound
 * at platform scope).
 *
 * <p>A role's reach is its binding's scope: {@value #ORG_ADMIN} bound at a project scope is an admin of
 * that project only.
 */
public final class PredefinedRoles {

  public static final String PLATFORM_ADMIN = "platform-admin";
  public static final String ORG_ADMIN = "org-admin";
  public static final String ORG_VIEWER = "org-viewer";
  public static final String PROJECT_ADMIN = "project-admin";
  public static final String PROJECT_EDITOR = "project-editor";
  public static final String PROJECT_VIEWER = "project-viewer";
  public static final String COMPUTE_ADMIN = "compute-admin";
  public static final String COMPUTE_VIEWER = "compute-viewer";
  public static final String INFRASTRUCTURE_ADMIN = "infrastructure-admin";
  public static final String IAM_ADMIN = "iam-admin";
  public static final String AUDIT_VIEWER = "audit-viewer";

  /** The predefined role ids, in the order above. */
  public static final List<String> IDS = List.of(PLATFORM_ADMIN, ORG_ADMIN, ORG_VIEWER, PROJECT_ADMIN,
      PROJECT_EDITOR, PROJECT_VIEWER, COMPUTE_ADMIN, COMPUTE_VIEWER, INFRASTRUCTURE_ADMIN, IAM_ADMIN, AUDIT_VIEWER);

  /** The verbs the viewer roles get. */
  public static final Set<String> READ_VERBS = Set.of("get", "list");

  private static final Set<String> ID_SET = Set.copyOf(IDS);
  private static final Map<String, RoleDefinition> STANDARD = of(Permissions.catalog());

  private PredefinedRoles() {}

  /** Whether {@code roleId} names a predefined role (which a custom role may not take, change or delete). */
  public static boolean isPredefined(String roleId) {
    return roleId != null && ID_SET.contains(roleId);
  }

  /** The predefined roles over the product's catalogue ({@link Permissions#catalog()}), by id. */
  public static Map<String, RoleDefinition> standard() {
    return STANDARD;
  }

  /**
   * The predefined roles over {@code catalog}, by id, in {@link #IDS} order (unmodifiable). The viewer
   * roles list exactly the catalogue's read permissions under their prefixes; wildcard entries that
   * match nothing in {@code catalog} are kept (they grant nothing there).
   */
  public static Map<String, RoleDefinition> of(PermissionCatalog catalog) {
    Objects.requireNonNull(catalog, "catalog");
    List<String> projectViewer = reads(catalog, "resourcemanager.projects.", "compute.", "infrastructure.",
        "iam.policies.", "iam.serviceAccounts.");
    List<String> projectEditor = concat(projectViewer, List.of("compute.*", "infrastructure.*"));
    List<String> projectAdmin = concat(projectEditor, List.of(Permissions.PROJECTS_UPDATE,
        Permissions.PROJECTS_DELETE, "iam.policies.*", "iam.serviceAccounts.*"));
    projectAdmin = concat(projectAdmin, reads(catalog, "iam.roles.", "iam.users.", "iam.groups."));

    Map<String, RoleDefinition> roles = new LinkedHashMap<>();
    put(roles, PLATFORM_ADMIN, List.of("*"));
    put(roles, ORG_ADMIN, List.of("resourcemanager.*", "iam.*", "compute.*", "infrastructure.*",
        Permissions.CHECK_OTHERS, Permissions.TOKENS_REVOKE, Permissions.AUDIT_EVENTS_LIST));
    put(roles, ORG_VIEWER, reads(catalog, "resourcemanager.", "iam.", "compute.", "infrastructure."));
    put(roles, PROJECT_ADMIN, projectAdmin);
    put(roles, PROJECT_EDITOR, projectEditor);
    put(roles, PROJECT_VIEWER, projectViewer);
    put(roles, COMPUTE_ADMIN, List.of("compute.*"));
    put(roles, COMPUTE_VIEWER, reads(catalog, "compute."));
    put(roles, INFRASTRUCTURE_ADMIN, List.of("infrastructure.*"));
    put(roles, IAM_ADMIN, List.of("iam.*", Permissions.CHECK_OTHERS));
    put(roles, AUDIT_VIEWER, List.of(Permissions.AUDIT_EVENTS_LIST));
    return Collections.unmodifiableMap(roles);
  }

  /**
   * Role lookup for {@link GrantSnapshot#compile}: a predefined role from {@code predefined} first (a
   * custom role can never shadow one), else {@code custom.apply(id)} (null when unknown).
   */
  public static Function<String, RoleDefinition> resolver(Map<String, RoleDefinition> predefined,
                                                          Function<String, RoleDefinition> custom) {
    Objects.requireNonNull(predefined, "predefined");
    Objects.requireNonNull(custom, "custom");
    return id -> {
      RoleDefinition r = predefined.get(id);
      return r != null ? r : custom.apply(id);
    };
  }

  /** The catalogue's permissions under any of {@code prefixes} whose verb is in {@link #READ_VERBS}. */
  static List<String> reads(PermissionCatalog catalog, String... prefixes) {
    List<String> out = new ArrayList<>();
    for (String name : catalog.names()) {
      String verb = name.substring(name.lastIndexOf('.') + 1);
      if (!READ_VERBS.contains(verb)) {
        continue;
      }
      for (String prefix : prefixes) {
        if (name.startsWith(prefix)) {
          out.add(name);
          break;
        }
      }
    }
    return out;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static void put(Map<String, RoleDefinition> roles, String id, List<String> permissions) {
    roles.put(id, new RoleDefinition(id, null, permissions));
  }
}
