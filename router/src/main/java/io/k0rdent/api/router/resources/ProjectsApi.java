package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.PageTokens;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import io.k0rdent.api.core.ipam.IpamErrors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of the project operations (upstream operationIds {@code createProject}, {@code listProjects}
 * with {@code ?organizationId=}, {@code getProject}, {@code updateProject}, {@code deleteProject}). A
 * project is decided at its own scope (project → organization → platform); a list shows the whole
 * organization to whom may list projects there, and otherwise the projects the caller may read.
 */
public final class ProjectsApi {

  public static final String COLLECTION = "/v1/regions/global/projects";
  private final ResourceOperations<Project> ops;
  private final AuthState state;
  private final Store store;

  private final java.util.Set<String> regions;

  /**
   * @param state   told of every created or deleted project ({@link AuthState.Kind#PROJECT})
   * @param regions the regions whose networks and addresses keep a project from being deleted
   */
  public ProjectsApi(Store store, PageTokens pageTokens, AuthState state, java.util.Set<String> regions) {
    this.store = store;
    this.state = state;
    this.regions = regions;
    this.ops = new ResourceOperations<>("project", COLLECTION, "projects", store.projects(), pageTokens,
        ProjectsApi::fields);
  }

  /** The project's fields as the API shows them. */
  static JsonObject fields(Project p) {
    return ResourceOperations.names(new JsonObject().put("organizationId", p.organizationId()), p.displayName(),
        p.description());
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createProject", this::create,
        "listProjects", this::list,
        "getProject", call -> ops.get(call, p -> guard(call, Permissions.PROJECTS_GET, p)),
        "updateProject", call -> ops.guarded(call, p -> guard(call, Permissions.PROJECTS_UPDATE, p))
            .compose(p -> ops.update(call, current -> ResourceOperations.mergeNames(call.body(), current,
                current.displayName(), current.description(), (d, text) -> current.withChanges(d, text, Clock.now())))),
        "deleteProject", call -> ops.guarded(call, p -> guard(call, Permissions.PROJECTS_DELETE, p))
            .compose(p -> refuseWhileBound(p))
            .compose(p -> refuseWhileItHoldsAddresses(call, p))
            .compose(p -> ops.delete(call))
            .compose(r -> state.changed(AuthState.Kind.PROJECT, call.pathId("project")).map(r)));
  }

  /**
   * 409 while policy bindings name the project (project scope) or a resource in it (resource scope), as for
   * the principals and roles bindings name: delete them first, so that no binding outlives what it was
   * written for.
   */
  private Future<Project> refuseWhileBound(Project p) {
    ApiException bound = ApiException.conflict("FAILED_PRECONDITION", "project '" + p.id()
        + "' is named by policy bindings; delete them first");
    Map<String, String> filters = Map.of("scopeType", io.k0rdent.api.core.resource.Policy.PROJECT,
        "scopeResource", p.id());
    return store.policies().list(new io.k0rdent.api.core.store.ListQuery(filters, null, 1)).compose(page -> {
      if (!page.items().isEmpty()) {
        throw bound;
      }
      return resourceBindingsUnder(p, null).map(any -> {
        if (any) {
          throw bound;
        }
        return p;
      });
    });
  }

  /**
   * 409 {@code FAILED_PRECONDITION} while the project has networks or addresses in a region served here, with a
   * {@code PreconditionFailure} detail naming those the caller may read (up to 50 of each kind); the store
   * refuses the delete atomically anyway: this says what is in the way.
   */
  private Future<Project> refuseWhileItHoldsAddresses(Call call, Project p) {
    List<Future<List<String>>> found = new java.util.ArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean any = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.function.BiPredicate<String, String> readable = (permission, path) -> call.grants() != null
        && call.grants().allowed(permission, ScopeChain.resource(p.organizationId(), p.id(), path));
    for (String region : regions) {
      io.k0rdent.api.core.store.IpamStore.Place place = new io.k0rdent.api.core.store.IpamStore.Place(region, p.id());
      found.add(store.ipam().listNetworks(place, null, IpamErrors.MAX_BLOCKERS).map(page -> {
        any.compareAndSet(false, !page.items().isEmpty());
        return page.items().stream()
            .filter(n -> readable.test(Permissions.NETWORKS_GET, "projects/" + p.id() + "/compute/networks/" + n.id()))
            .map(n -> IpamErrors.networkLink(region, p.id(), n.id())).toList();
      }));
      found.add(store.ipam().listAddresses(place, null, IpamErrors.MAX_BLOCKERS).map(page -> {
        any.compareAndSet(false, !page.items().isEmpty());
        return page.items().stream()
            .filter(a -> readable.test(Permissions.ADDRESSES_GET, "projects/" + p.id() + "/compute/addresses/" + a.id()))
            .map(a -> IpamErrors.addressLink(region, p.id(), a.id())).toList();
      }));
    }
    return Future.all(found).map(all -> {
      List<String> subjects = new java.util.ArrayList<>();
      for (int i = 0; i < found.size(); i++) {
        subjects.addAll(all.<List<String>>resultAt(i));
      }
      if (any.get()) {
        throw IpamErrors.projectStillHas(p.id(), subjects);
      }
      return p;
    });
  }

  /** Whether a resource binding of the project's organization names a resource of the project. */
  private Future<Boolean> resourceBindingsUnder(Project p, io.k0rdent.api.core.store.PageCursor after) {
    String prefix = "projects/" + p.id() + "/";
    Map<String, String> filters = Map.of("scopeType", io.k0rdent.api.core.resource.Policy.RESOURCE,
        "organizationId", p.organizationId());
    return store.policies().list(new io.k0rdent.api.core.store.ListQuery(filters, after, 500)).compose(page -> {
      boolean any = page.items().stream()
          .anyMatch(b -> io.k0rdent.api.core.auth.GrantInputs.resourceKey(b.scopeResource()).startsWith(prefix));
      return any || page.next() == null ? Future.succeededFuture(any) : resourceBindingsUnder(p, page.next());
    });
  }

  /** The chain a project is decided at. */
  static ScopeChain chain(Project p) {
    return ScopeChain.project(p.organizationId(), p.id());
  }

  private static void guard(Call call, String permission, Project p) {
    call.requireVisible(permission, chain(p), "project", p.id());
  }

  private Future<Reply> create(Call call) {
    String org = call.text("organizationId");
    Scopes.requireInOrganization(call, Permissions.PROJECTS_CREATE, org, "organizationId");
    String id = call.text("id");
    Instant now = Clock.now();
    Project p = new Project(id == null ? Slugs.generate("project") : id, UUID.randomUUID(),
        org, call.text("displayName"), call.text("description"), now, now, 1);
    // Drops a cached "no such project" (a tombstone lives 5 s) at once.
    return ops.create(p).compose(r -> state.changed(AuthState.Kind.PROJECT, p.id()).map(r));
  }

  private Future<Reply> list(Call call) {
    String asked = call.query("organizationId");
    if (asked != null && !Slugs.isValid(asked)) {
      throw ApiException.invalidField("organizationId", "organizationId must be an organization id (a slug)");
    }
    String org = Scopes.listedOrganization(call, Permissions.PROJECTS_LIST, asked);
    Map<String, String> filters = new HashMap<>();
    filters.put("organizationId", org);
    if (Scopes.hidden(call, Permissions.PROJECTS_LIST, org)) {
      return ops.emptyList(call, filters);
    }
    if (Scopes.listsWhole(call, Permissions.PROJECTS_LIST, org)) {
      return ops.list(call, filters);
    }
    return ops.list(call, filters, p -> call.grants().allowed(Permissions.PROJECTS_GET, chain(p)));
  }
}
