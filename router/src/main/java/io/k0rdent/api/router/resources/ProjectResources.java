package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * What every project-scoped resource of a region shares ({@code /v1/regions/{region}/projects/{project}/<service>/}):
 * the region must be one this deployment serves and the project must exist, else 404; a project the caller may not
 * know of answers exactly like a missing one (404 naming the project). Actions on a collection are decided at the
 * project; actions on one resource at its path ({@code projects/<p>/<service>/<collection>/<id>}), so resource
 * bindings reach them, and acting on a resource needs reading it too.
 */
final class ProjectResources {

  private final ApiServices services;
  private final String service;

  /** @param service the path segment after the project: {@code compute}, {@code infrastructure} */
  ProjectResources(ApiServices services, String service) {
    this.services = services;
    this.service = service;
  }

  /** The project of the path, in a region served here: its place and organization. */
  record Target(Place place, String organizationId, boolean known, String service) {

    ScopeChain projectChain() {
      return ScopeChain.project(organizationId, place.project());
    }

    /** The chain of resource {@code collection/id} of the project. */
    ScopeChain chain(String collection, String id) {
      return ScopeChain.resource(organizationId, place.project(),
          "projects/" + place.project() + "/" + service + "/" + collection + "/" + id);
    }
  }

  /** A resource of the path and the project it was found in. */
  record Found<R>(Target target, R item) {}

  /** Loads one page. */
  @FunctionalInterface
  interface Lister<R> {
    Future<Page<R>> page(Target t, PageCursor after, int limit);
  }

  /**
   * The path's region and project: 404 for a region not served here, for a project id that is not a slug or
   * names no project. {@code known} says whether the caller may know the project exists: it may read the
   * project, or list {@code listPermission}'s collection in it.
   */
  Future<Target> target(Call call, String listPermission) {
    String region = call.ctx().pathParam("region");
    if (!services.ipam().serves(region)) {
      throw ApiException.notFound("region", region == null ? "" : region);
    }
    String project = call.pathId("project", "project");
    // the auth state's (cached, invalidated on every project change) view: a project's organization never changes
    return services.iam().state().project(project).map(p -> {
      if (p == null) {
        throw ApiException.notFound("project", project);
      }
      return p;
    }).map(p -> new Target(new Place(region, project),
        p.organizationId(), Scopes.knowsProject(call, p.organizationId(), project) || call.grants() != null
            && call.grants().allowed(listPermission, ScopeChain.project(p.organizationId(), project)), service));
  }

  /**
   * An action on the whole collection: passes when the caller may {@code permission} in the project; else 403
   * when it knows the project, and the project's 404 when it does not.
   */
  static void requireInProject(Call call, Target t, String permission) {
    if (call.allowed(permission, t.projectChain())) {
      return;
    }
    if (t.known()) {
      throw ApiException.permissionDenied("the caller may not " + permission + " in project '"
          + t.place().project() + "'");
    }
    throw ApiException.notFound("project", t.place().project());
  }

  /**
   * The resource of the path after the caller was found allowed to {@code permission} it (on its own chain).
   * Acting on a resource needs reading it too: one the caller may not read answers 404 (the project's when
   * the caller may not know the project, else the resource's), whether it exists or not, without being
   * loaded; a missing one, or one {@code visible} rejects, is the same 404; one the caller may read but not act
   * on is a 403.
   */
  <R> Future<Found<R>> one(Call call, String permission, String listPermission, String kind, String collection,
                           BiFunction<Target, String, Future<R>> load, BiPredicate<Target, R> visible) {
    return target(call, listPermission).compose(t -> {
      String id = call.pathId(kind);
      ScopeChain chain = t.chain(collection, id);
      boolean allowed = call.allowed(permission, chain);
      boolean reads = readable(call, t, Call.readOf(permission), collection, id);
      // a caller that may list it knows it exists: told 403, not 404, as for one it may read
      boolean lists = reads || readable(call, t, listPermission, collection, id);
      ApiException missing = t.known() ? ApiException.notFound(kind, id) : ApiException.notFound("project",
          t.place().project());
      if (!lists) {
        throw missing;
      }
      return load.apply(t, id).recover(err -> Future.failedFuture(err instanceof ApiException a && a.status() == 404
          ? missing : err)).map(item -> {
            if (!visible.test(t, item)) {
              throw missing;
            }
            if (!allowed || !reads) {
              throw ApiException.permissionDenied("the caller may not " + permission + " on " + kind + " '" + id + "'");
            }
            return new Found<>(t, item);
          });
    });
  }

  /** Whether the caller may {@code permission} resource {@code collection/id} of the project (no decision recorded). */
  static boolean readable(Call call, Target t, String permission, String collection, String id) {
    return call.grants() != null && call.grants().allowed(permission, t.chain(collection, id));
  }

  /**
   * listX: the items of the project the caller may read ({@code getPermission}) or list ({@code listPermission})
   * on their own chain, and that {@code visible} accepts, so a resource-level deny hides an item and a
   * resource-level grant shows one; the project's 404 when the caller may not know the project.
   */
  <R extends Resource> Future<Reply> list(Call call, String listPermission, String getPermission, String collection,
                                          String listField, Lister<R> lister,
                                          Function<List<R>, Future<JsonArray>> toJson, BiPredicate<Target, R> visible) {
    return target(call, listPermission).compose(t -> {
      call.allowed(listPermission, t.projectChain());
      if (!t.known()) {
        throw ApiException.notFound("project", t.place().project());
      }
      String scope = listField + "?region=" + t.place().region() + "&project=" + t.place().project();
      return ResourceOperations.<R>page(call, services.pageTokens(), scope, listField,
          (after, size) -> lister.page(t, after, size),
          items -> toJson.apply(items.stream().filter(r -> (readable(call, t, getPermission, collection, r.id())
              || readable(call, t, listPermission, collection, r.id())) && visible.test(t, r)).toList()));
    });
  }
}
